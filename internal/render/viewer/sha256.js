"use strict";
// SHA-256 (FIPS 180-4) fed in pieces: Web Crypto's digest takes a whole
// buffer at once, so a 2 GB file would need 2 GB of memory. This one keeps
// 64 bytes of state between pieces.
const SHA256_K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

class SHA256 {
  constructor() {
    this.h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this.w = new Int32Array(64);
    this.buf = new Uint8Array(64);
    this.fill = 0;   // bytes waiting in buf
    this.length = 0; // bytes fed so far
  }
  update(data) { // data: Uint8Array
    let i = 0;
    const n = data.length;
    this.length += n;
    if (this.fill > 0) {
      const take = Math.min(64 - this.fill, n);
      this.buf.set(data.subarray(0, take), this.fill);
      this.fill += take;
      i = take;
      if (this.fill < 64) return this;
      this.blocks(this.buf, 0, 64);
      this.fill = 0;
    }
    const whole = (n - i) & ~63;
    if (whole > 0) this.blocks(data, i, i + whole);
    i += whole;
    if (i < n) { this.buf.set(data.subarray(i), 0); this.fill = n - i; }
    return this;
  }
  blocks(d, from, to) {
    const w = this.w, h = this.h, K = SHA256_K;
    let h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4], h5 = h[5], h6 = h[6], h7 = h[7];
    for (let o = from; o < to; o += 64) {
      for (let j = 0; j < 16; j++) {
        const p = o + 4 * j;
        w[j] = (d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3];
      }
      for (let j = 16; j < 64; j++) {
        const x = w[j - 15], y = w[j - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[j] = (w[j - 16] + s0 + w[j - 7] + s1) | 0;
      }
      let a = h0, b = h1, c = h2, e = h4, f = h5, g = h6, hh = h7, dd = h3;
      for (let j = 0; j < 64; j++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const ch = (e & f) ^ (~e & g);
        const t1 = (hh + S1 + ch + K[j] + w[j]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (S0 + maj) | 0;
        hh = g; g = f; f = e; e = (dd + t1) | 0; dd = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + dd) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + hh) | 0;
    }
    h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6; h[7] = h7;
  }
  hex() {
    const bits = this.length * 8;
    const pad = new Uint8Array(((this.fill < 56) ? 64 : 128) - this.fill);
    pad[0] = 0x80;
    const v = new DataView(pad.buffer);
    v.setUint32(pad.length - 8, Math.floor(bits / 0x100000000));
    v.setUint32(pad.length - 4, bits >>> 0);
    this.update(pad);
    let s = "";
    for (let j = 0; j < 8; j++) s += (this.h[j] >>> 0).toString(16).padStart(8, "0");
    return s;
  }
}

// sha256Blob hashes a File or Blob in slices of chunk bytes, one slice in
// memory at a time; progress(done, total) after each. Small blobs go to
// Web Crypto whole, which is faster.
async function sha256Blob(blob, chunk, progress) {
  chunk = chunk || 8 << 20;
  if (blob.size <= chunk && window.crypto && crypto.subtle) {
    const d = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
    if (progress) progress(blob.size, blob.size);
    return Array.from(d, x => x.toString(16).padStart(2, "0")).join("");
  }
  const h = new SHA256();
  for (let off = 0; off < blob.size; off += chunk) {
    const piece = new Uint8Array(await blob.slice(off, Math.min(off + chunk, blob.size)).arrayBuffer());
    h.update(piece);
    if (progress) progress(Math.min(off + chunk, blob.size), blob.size);
  }
  return h.hex();
}
