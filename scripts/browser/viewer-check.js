// Opens a bundle's index.html from file:// in Debian's chromium, as a
// reader who double-clicked it would, and reports what the page shows as
// JSON on stdout. Used by klipp's Go tests (cmd/klipp/viewer_test.go).
//
//   node viewer-check.js '{"index": "/path/index.html", "folder": "/path", "seek": 12.5,
//                          "canvas": "/tmp/canvas.png", "screenshot": "/tmp/page.png"}'
//
// folder: choose this folder with the page's "choose the bundle folder"
// input and wait for every file to be checked. seek: go to this time in
// the presentation and save the frame canvas as a PNG.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

async function main() {
  const opts = JSON.parse(process.argv[2]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "klipp-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.KLIPP_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1800, height: 1200 },
    deviceScaleFactor: 1,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
  const out = { console: [], requests: [] };
  try {
    const page = await ctx.newPage();
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") out.console.push(m.text()); });
    page.on("pageerror", (e) => out.console.push("pageerror: " + e.message));
    page.on("request", (r) => { if (!r.url().startsWith("file://") && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) out.requests.push(r.url()); });
    await page.goto("file://" + opts.index);
    out.title = await page.title();
    out.entries = await page.$$eval("article.entry", (as) => as.map((a) => ({
      number: Number(a.dataset.number), heading: a.querySelector("h3").textContent.trim(), text: a.querySelector(".text").textContent,
      stills: Array.from(a.querySelectorAll(".still img"), (i) => i.getAttribute("src")),
    })));
    out.signature = await page.$eval("#signature", (e) => e.textContent.trim());
    out.report = await page.$eval("#report", (e) => e.getAttribute("href")).catch(() => null);
    // Each clip plays: it loads, and its time advances when played.
    out.clips = [];
    const clips = await page.$$eval("video[data-clip]", (vs) => vs.length);
    for (let i = 0; i < clips; i++) {
      out.clips.push(await page.evaluate((i) => new Promise((resolve) => {
        const v = document.querySelectorAll("video[data-clip]")[i];
        const r = { src: v.getAttribute("src") };
        v.muted = true;
        v.addEventListener("error", () => { r.error = v.error ? v.error.code : "error"; resolve(r); }, { once: true });
        const go = () => {
          r.duration = v.duration; r.width = v.videoWidth;
          const t0 = v.currentTime;
          v.play().then(() => setTimeout(() => { r.played = v.currentTime - t0; v.pause(); resolve(r); }, 600), (e) => { r.error = String(e); resolve(r); });
        };
        if (v.readyState >= 2) go(); else { v.preload = "auto"; v.addEventListener("loadeddata", go, { once: true }); v.load(); }
        setTimeout(() => { r.timeout = true; resolve(r); }, 15000);
      }), i));
    }
    out.stillsLoaded = await page.$$eval(".still img", (is) => Promise.all(is.map((i) => { i.loading = "eager"; return i.decode().then(() => i.naturalWidth, () => 0); })));
    out.mapLoaded = await page.$eval("#map img", (i) => i.decode().then(() => i.naturalWidth, () => 0)).catch(() => null);
    // Incremental SHA-256 over odd-sized slices agrees with Web Crypto.
    out.sha256SelfTest = await page.evaluate(async () => {
      const data = new Uint8Array(5 * 1000 * 1000 + 17);
      for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
      const whole = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      const want = Array.from(whole, (x) => x.toString(16).padStart(2, "0")).join("");
      const got = await window.klippSHA256(new Blob([data]), 1000003);
      const empty = await window.klippSHA256(new Blob([]), 64);
      return got === want && empty === "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    });
    if (opts.folder) {
      await page.setInputFiles("#folder", opts.folder);
      await page.waitForFunction(() => /^summary (ok|bad)$/.test(document.getElementById("total").className), null, { timeout: 120000 });
      out.files = await page.$$eval("#file-table tbody tr", (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.path, tr.dataset.status])));
      out.total = await page.$eval("#total", (e) => e.textContent);
      out.summary = await page.$eval("#summary", (e) => e.textContent);
      out.extra = await page.$$eval("#extra li", (ls) => ls.map((l) => l.textContent));
    }
    if (opts.seek !== undefined && opts.seek !== null) {
      await page.fill("#seek-time", String(opts.seek));
      await page.click("#seek button[type=submit]");
      await page.waitForFunction((t) => {
        const c = document.getElementById("frame");
        return c.dataset.time !== undefined && Math.abs(Number(c.dataset.time) - t) < 0.002;
      }, opts.seek, { timeout: 20000 });
      out.frameTime = await page.$eval("#frame-time", (e) => e.textContent);
      out.frameInfo = await page.$eval("#frame-info", (e) => e.textContent);
      if (opts.canvas) await page.locator("#frame").screenshot({ path: opts.canvas, scale: "css" });
    }
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
