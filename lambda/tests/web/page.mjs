// Drives the web page in headless Chromium: predict one track, see the bands and the chart;
// a validation error shows next to its field; rank three tracks. Saves screenshots.
// Usage: node page.mjs http://127.0.0.1:PORT/ OUT_DIR
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

const [url, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector("#f-danceability");

  // 1. predict
  await page.click("#example-btn");
  await page.click("#predict-btn");
  await page.waitForSelector("#expected");
  const expected = Number(await page.textContent("#expected"));
  assert.ok(expected >= 0 && expected <= 100, `expected popularity ${expected}`);
  const bars = await page.$$eval(".bar", (els) => els.map((e) => [e.dataset.band, parseFloat(e.querySelector(".fill").style.width)]));
  assert.equal(bars.length, 4);
  const sum = bars.reduce((s, [, w]) => s + w, 0);
  assert.ok(Math.abs(sum - 100) < 0.5, `bars sum to ${sum}%`);
  // the 80% interval: a span on the 0–100 scale that holds the expected popularity's dot
  const interval = await page.$eval("#interval", (e) => ({
    low: parseFloat(e.querySelector(".span").style.left), width: parseFloat(e.querySelector(".span").style.width),
    dot: parseFloat(e.querySelector(".dot").style.left), text: e.textContent }));
  assert.ok(interval.low <= interval.dot + 0.5 && interval.dot <= interval.low + interval.width + 0.5, JSON.stringify(interval));
  assert.match(interval.text, /80% of tracks like this one land between \d+ and \d+/);

  // 1b. only what an audio file gives: still a prediction, and it says what it went without
  for (const f of ["danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence"]) {
    await page.fill(`#f-${f}`, "");
  }
  await page.click("#predict-btn");
  await page.waitForFunction(() => /Predicted without: danceability/.test(document.getElementById("result").textContent));
  await page.screenshot({ path: `${out}/web-predict.png`, fullPage: true });

  // 2. a validation error next to its field
  await page.fill("#f-danceability", "1.7");
  await page.click("#predict-btn");
  await page.waitForFunction(() => document.getElementById("err-danceability").textContent.length > 0);
  const msg = await page.textContent("#err-danceability");
  assert.match(msg, /danceability = 1\.7 is outside 0–1/);
  assert.equal(await page.getAttribute("#f-danceability", "aria-invalid"), "true");
  await page.screenshot({ path: `${out}/web-validation.png`, fullPage: true });

  // 3. rank three tracks
  await page.click("#tab-rank");
  await page.click("#album-example-btn");
  await page.click("#rank-btn");
  await page.waitForSelector("#single");
  const rows = await page.$$eval("#ranking tbody tr", (els) => els.map((e) => e.children[1].textContent));
  assert.equal(rows.length, 3);
  const single = await page.textContent("#single");
  assert.ok(single.includes(rows[0]), `${single} names ${rows[0]}`);
  await page.screenshot({ path: `${out}/web-rank.png`, fullPage: true });

  assert.deepEqual(errors, []);
  console.log(JSON.stringify({ expected, bars, interval, validation: msg, ranked: rows }));
} finally {
  await browser.close();
}
