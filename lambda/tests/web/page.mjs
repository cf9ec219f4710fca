// Drives the web page in headless Chromium: predict one track, see the bands and the chart;
// a validation error shows next to its field; rank three tracks; drop a song's file (the form is
// filled with what was measured), two files (ranked), a file that is not audio. Saves screenshots.
// Usage: node page.mjs http://127.0.0.1:PORT/ OUT_DIR CLIPS_DIR
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";

const [url, out, clips] = process.argv.slice(2);
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
  await page.waitForSelector("#p-name");
  // a person is asked what they know; the raw inputs are folded away
  assert.equal(await page.isVisible("#f-danceability"), false);
  assert.equal(await page.isVisible("#f-title_marker"), false);

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

  // 4. a song's file: measured, the advanced inputs filled with what was measured, predicted
  await page.click("#tab-predict");
  await page.click("button[type=reset]");
  await page.fill("#f-danceability", "");
  await page.fill("#p-artists", "Kevin MacLeod");
  await page.selectOption("#f-genre", { label: "classical" });
  await page.setInputFiles("#audio", [`${clips}/Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg`]);
  await page.waitForSelector("#measured");
  const measured = await page.textContent("#measured");
  assert.match(measured, /Measured from Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy\.ogg: 2:00 · \d+ BPM · E minor/);
  assert.equal(await page.inputValue("#f-key"), "4");
  assert.equal(await page.inputValue("#f-mode"), "0");
  assert.ok(await page.$eval("#f-tempo", (e) => e.classList.contains("measured")));
  // "unreleased" (checked by default) is years_since_release 0: not missing
  assert.doesNotMatch(await page.textContent("#result"), /years_since_release/);
  const fromFile = Number(await page.textContent("#expected"));
  assert.ok(fromFile >= 0 && fromFile <= 100);
  await page.screenshot({ path: `${out}/web-audio.png`, fullPage: true });

  // 5. two files: ranked, with what each measured
  await page.setInputFiles("#audio", [`${clips}/Kevin_MacLeod_-_Vibe_Ace.ogg`, `${clips}/Karissa_Hobbs_-_Lets_Go_Fishin.ogg`]);
  await page.waitForSelector("#result #single");
  const fileRows = await page.$$eval("#result tbody tr", (els) => els.map((e) => [e.children[1].textContent, e.children[6].textContent]));
  assert.equal(fileRows.length, 2);
  assert.ok(fileRows.every(([, m]) => /BPM/.test(m)), JSON.stringify(fileRows));
  await page.screenshot({ path: `${out}/web-audio-rank.png`, fullPage: true });

  // 5b. opted in to the remote analysis (ReccoBeats' stub): its values are used and said so
  await page.check("#remote");
  await page.setInputFiles("#audio", [`${clips}/Kevin_MacLeod_-_Vibe_Ace.ogg`]);
  await page.waitForFunction(() => /ReccoBeats. analysis/i.test((document.getElementById("measured") || {}).textContent || ""));
  assert.doesNotMatch(await page.textContent("#result"), /Predicted without: danceability/);
  await page.uncheck("#remote");

  // 6. a file that is not audio: named, no prediction
  writeFileSync(`${out}/notes.mp3`, "just some text, not a song");
  await page.setInputFiles("#audio", [`${out}/notes.mp3`]);
  await page.waitForFunction(() => /notes\.mp3 is not an audio file/.test(document.getElementById("form-error").textContent));

  assert.deepEqual(errors, []);
  console.log(JSON.stringify({ expected, bars, interval, validation: msg, ranked: rows, measured, fromFile, fileRows }));
} finally {
  await browser.close();
}
