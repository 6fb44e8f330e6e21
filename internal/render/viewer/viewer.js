"use strict";
(function () {
  const data = JSON.parse(document.getElementById("klipp-data").textContent);
  const W = data.words;
  const $ = (s) => document.querySelector(s);
  const fmt = (s, ...a) => { let i = 0; return s.replace(/%d/g, () => String(a[i++])); };

  // SHA256SUMS as coreutils writes it: "<hex>  <name>", a name with \, \n
  // or \r escaped and its line then begun with a backslash.
  function parseSums(text) {
    const out = [];
    for (const raw of text.split("\n")) {
      if (raw === "") continue;
      let line = raw, escaped = false;
      if (line.startsWith("\\")) { escaped = true; line = line.slice(1); }
      const cut = line.indexOf("  ");
      if (cut !== 64) continue;
      let name = line.slice(66);
      if (escaped) name = name.replace(/\\(.)/g, (m, c) => c === "n" ? "\n" : c === "r" ? "\r" : c);
      out.push({ sum: line.slice(0, 64).toLowerCase(), name });
    }
    return out;
  }
  const listed = parseSums(data.sums);
  const listedNames = new Set(listed.map((f) => f.name));
  const rows = new Map();
  document.querySelectorAll("#file-table tbody tr").forEach((tr) => rows.set(tr.dataset.path, tr));
  // Files listed in SHA256SUMS but not in the table (SHA256SUMS lists the
  // manifest too) get a row.
  for (const f of listed) {
    if (!rows.has(f.name)) {
      const tr = document.createElement("tr");
      tr.dataset.path = f.name; tr.dataset.status = "unchecked";
      tr.innerHTML = "<td></td><td class=n></td><td class=status></td>";
      tr.cells[0].textContent = f.name; tr.cells[2].textContent = W.not_checked;
      $("#file-table tbody").appendChild(tr);
      rows.set(f.name, tr);
    }
  }
  function mark(name, status, text) {
    const tr = rows.get(name);
    if (!tr) return;
    tr.dataset.status = status;
    tr.querySelector(".status").textContent = text || W[status];
  }
  function summary(cls, text) {
    for (const el of [$("#total"), $("#summary")]) { el.className = "summary " + cls; el.textContent = text; }
  }

  let running = 0;
  // check hashes every listed file among files: a Map of bundle path → File.
  async function check(files) {
    const run = ++running;
    if (!files.has("SHA256SUMS")) { summary("bad", W.no_sums); return; }
    const extra = [];
    for (const p of files.keys()) {
      if (p !== "SHA256SUMS" && p !== "SHA256SUMS.sig" && p !== "index.html" && !listedNames.has(p)) extra.push(p);
    }
    let ok = 0, changed = 0, missing = 0;
    const problems = [];
    const sumsFile = await sha256Blob(files.get("SHA256SUMS"));
    if (sumsFile !== data.sums_sha256) problems.push(W.sums_changed);
    for (const f of listed) mark(f.name, "unchecked", W.not_checked);
    for (const f of listed) {
      if (run !== running) return;
      const file = files.get(f.name);
      if (!file) { missing++; mark(f.name, "missing"); continue; }
      mark(f.name, "checking", W.checking);
      const got = await sha256Blob(file, 0, (done, total) => {
        if (total > (8 << 20)) mark(f.name, "checking", W.checking + " " + Math.floor(100 * done / total) + " %");
      });
      if (got === f.sum) { ok++; mark(f.name, "verified"); } else { changed++; mark(f.name, "changed"); }
      summary("pending", fmt(W.total, ok + changed + missing, changed, missing) + " …");
    }
    const ex = $("#extra");
    ex.hidden = extra.length === 0;
    ex.querySelector("ul").replaceChildren(...extra.map((p) => { const li = document.createElement("li"); li.textContent = p; return li; }));
    if (changed + missing === 0 && problems.length === 0) summary("ok", fmt(W.total_ok, ok));
    else summary("bad", [fmt(W.total_bad, changed + missing, listed.length, changed, missing), ...problems].join(" "));
  }

  // The chosen folder's files by bundle path: the folder holding
  // SHA256SUMS (the bundle itself, or a folder above it).
  function bundleFiles(list) {
    const byPath = new Map();
    for (const f of list) byPath.set(f.path, f.file);
    let prefix = null;
    for (const p of byPath.keys()) {
      if (p === "SHA256SUMS" || p.endsWith("/SHA256SUMS")) {
        const pre = p.slice(0, p.length - "SHA256SUMS".length);
        if (prefix === null || pre.length < prefix.length) prefix = pre;
      }
    }
    const files = new Map();
    if (prefix === null) return files;
    for (const [p, f] of byPath) if (p.startsWith(prefix)) files.set(p.slice(prefix.length), f);
    return files;
  }

  $("#folder").addEventListener("change", (ev) => {
    const list = Array.from(ev.target.files, (f) => ({ path: (f.webkitRelativePath || f.name).split("/").slice(1).join("/"), file: f }));
    check(bundleFiles(list));
  });
  const drop = document.body;
  drop.addEventListener("dragover", (ev) => { ev.preventDefault(); $("#drop").classList.add("over"); });
  drop.addEventListener("dragleave", () => $("#drop").classList.remove("over"));
  drop.addEventListener("drop", async (ev) => {
    ev.preventDefault();
    $("#drop").classList.remove("over");
    const list = [];
    async function walk(entry, path) {
      if (entry.isFile) {
        list.push({ path, file: await new Promise((ok, fail) => entry.file(ok, fail)) });
      } else if (entry.isDirectory) {
        const reader = entry.createReader();
        for (;;) {
          const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
          if (batch.length === 0) break;
          for (const e of batch) await walk(e, path ? path + "/" + e.name : e.name);
        }
      }
    }
    const entries = Array.from(ev.dataTransfer.items, (it) => it.webkitGetAsEntry && it.webkitGetAsEntry()).filter(Boolean);
    for (const e of entries) await walk(e, entries.length === 1 && e.isDirectory ? "" : e.name);
    check(bundleFiles(list));
  });

  // The presentation: parts to jump to, a time to go to, and the frame at
  // that time drawn on the canvas with what it shows.
  const video = $("#presentation-video");
  if (video) {
    const canvas = $("#frame");
    const chapters = data.chapters || [];
    function parseTime(s) {
      s = String(s).trim().replace(",", ".");
      if (s === "") return NaN;
      let t = 0;
      for (const part of s.split(":")) t = t * 60 + Number(part);
      return t;
    }
    function clock(t) {
      const m = Math.floor(t / 60), s = t - 60 * m;
      return m + ":" + s.toFixed(3).padStart(6, "0");
    }
    // displayTime writes an instant as the report does: YYYY-MM-DD
    // HH:MM:SS.mmm in the bundle's zone.
    function displayTime(at) {
      const p = {};
      for (const x of new Intl.DateTimeFormat("en-GB", { timeZone: data.zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3 }).formatToParts(at)) p[x.type] = x.value;
      return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second + "." + p.fractionalSecond;
    }
    function draw() {
      if (!video.videoWidth) return;
      if (canvas.width !== video.videoWidth || canvas.height !== video.videoHeight) {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      }
      canvas.getContext("2d").drawImage(video, 0, 0);
      const t = video.currentTime;
      $("#frame-time").textContent = clock(t);
      canvas.dataset.time = t.toFixed(3);
      let info = "";
      for (const c of chapters) {
        if (t >= c.start - 1e-6 && t < c.start + c.seconds) {
          info = c.label;
          if (c.clip && c.clip_from) {
            const at = new Date(Date.parse(c.clip_from) + Math.round((t - c.start) * 1000));
            info += " · " + W.true_time_at + " " + displayTime(at);
          }
        }
      }
      $("#frame-info").textContent = info;
    }
    function seek(t) {
      if (!isFinite(t) || t < 0) return;
      video.pause();
      const go = () => { video.currentTime = Math.min(t, video.duration || t); };
      if (video.readyState >= 1) go(); else video.addEventListener("loadedmetadata", go, { once: true });
    }
    // After a seek the element may not yet show the new frame when
    // "seeked" fires (Chromium decodes it a moment later): the canvas is
    // drawn when the frame is presented, or after 300 ms at the latest.
    function drawWhenShown() {
      if (!video.requestVideoFrameCallback) { draw(); return; }
      let done = false;
      const once = () => { if (!done) { done = true; draw(); } };
      video.requestVideoFrameCallback(once);
      setTimeout(once, 300);
    }
    video.addEventListener("seeked", drawWhenShown);
    video.addEventListener("pause", draw);
    video.addEventListener("loadeddata", draw);
    document.querySelectorAll("#chapters button").forEach((b) => b.addEventListener("click", () => { $("#seek-time").value = b.dataset.start; seek(Number(b.dataset.start)); }));
    $("#seek").addEventListener("submit", (ev) => { ev.preventDefault(); seek(parseTime($("#seek-time").value)); });
    window.klippSeek = seek;
  }
  window.klippSHA256 = sha256Blob;
})();
