// Opens a page of videos (cmd/klipp/browser_test.go) from file:// in
// Debian's chromium and prints the page's results (its #out element) once
// every file has one, or after 60 s with what there is.
//
//   node play-check.js /path/play.html NUMBER-OF-FILES
"use strict";
const { chromium } = require("playwright-core");

async function main() {
  const [page_, files] = [process.argv[2], Number(process.argv[3])];
  const browser = await chromium.launch({
    executablePath: process.env.KLIPP_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--allow-file-access-from-files"],
  });
  try {
    const page = await browser.newPage();
    await page.goto("file://" + page_);
    await page.waitForFunction((n) => {
      try {
        return Object.keys(JSON.parse(document.getElementById("out").textContent)).length >= n;
      } catch (e) {
        return false;
      }
    }, files, { timeout: 60000 }).catch(() => {});
    process.stdout.write(await page.textContent("#out"));
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(String(e)); process.exit(1); });
