import { expect, test, type Page } from '@playwright/test';
import { emulatorBundle, installFakeSerial } from './fake-serial';
import { gotoApp } from './player-helpers';
import {
  connectKeepingFrames,
  consecutive,
  field,
  framesWritten,
  expectSentFrames,
  matchWritten,
  numberIn,
  opfsRecordings,
  pageNow,
  parseStream,
  recorderRegion,
  startRecording,
  writtenSince,
} from './recorder-helpers';

// The recorder against the emulator behind a strict fake SerialPort: the board keeps every frame it
// writes to its stream buffer (it writes the next one only after the host has read the last), so the
// tests know exactly which frames the camera sent and when.

test.beforeEach(async ({ context }) => {
  await context.addInitScript({ content: await emulatorBundle() });
  await context.addInitScript(installFakeSerial);
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

test('records 5 s of QVGA JPEG at 30 fps: exactly the frames the camera sent, with its timing', async ({
  page,
}) => {
  await gotoApp(page);
  await connectKeepingFrames(page, { format: 'JPEG', width: 320, height: 240, fps: 30 });
  const recorder = recorderRegion(page);
  const before = await pageNow(page);
  await page.evaluate(() =>
    document.addEventListener(
      'click',
      () => ((window as unknown as { clickAt: number }).clickAt = performance.now()),
      { capture: true, once: true },
    ),
  );
  await recorder.getByRole('button', { name: 'Record' }).click();
  const clickAt = await page.evaluate(() => (window as unknown as { clickAt: number }).clickAt);
  await expect(recorder.locator('[data-field=recorder-state]')).toHaveText(/Recording/);
  // Five seconds of the camera's frames (the elapsed figure follows the frames' own timestamps).
  await expect.poll(() => elapsedSeconds(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
  const stopAt = await pageNow(page);
  await recorder.getByRole('button', { name: 'Stop recording' }).click();
  await expect(field(page, 'recorder-message')).toContainText('Saved “Recording', { timeout: 20_000 });

  const [file] = await opfsRecordings(page);
  expect(file, 'one recording file in OPFS').toBeDefined();
  const stream = parseStream(file!.bytes);
  expect(stream.version).toBe(20);
  expect(stream.damaged).toBe(false);
  expect(file!.bytes.subarray(0, 16).toString('latin1')).toBe('OMV IMG STR V2.0');

  const written = await writtenSince(page, before);
  const at = expectSentFrames(stream.frames, written);
  // It began with the click on Record: the first frame the camera wrote after the click is the first one
  // in the file (one written up to 100 ms before may still have been on its way, and counts as after).
  const firstAfter = (t: number) => written.findIndex((w) => w.t >= t);
  expect(at[0]).toBeLessThanOrEqual(firstAfter(clickAt + 5));
  expect(at[0]).toBeGreaterThanOrEqual(firstAfter(clickAt - 100));
  // ...and holds every frame sent before the click on Stop (allowing 100 ms for one still on the wire).
  const sentBeforeStop = written.filter((w) => w.t < stopAt - 100).length;
  expect(at.at(-1)! + 1).toBeGreaterThanOrEqual(sentBeforeStop);
  expect(stream.frames.every((f) => f.width === 320 && f.height === 240)).toBe(true);

  // Timing: each stored interval against the interval between the camera's writes of the same frames.
  expect(stream.frames[0]!.elapsedMs).toBe(0);
  const stored = stream.frames.slice(1).map((f) => f.elapsedMs);
  const camera = at.slice(1).map((w, i) => written[w]!.t - written[at[i]!]!.t);
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // Five seconds of the camera's time, however many frames a busy machine let the camera send in them
  // (every one of which is in the file, checked above).
  expect(total(stored)).toBeGreaterThanOrEqual(4950);
  expect(Math.abs(total(stored) - total(camera))).toBeLessThan(0.02 * total(camera) + 40);
  expect(median(stored.map((s, i) => Math.abs(s - camera[i]!)))).toBeLessThan(8);

  // It is in the library at once, selected, and plays.
  const item = page.locator('omv-library-item[selected]');
  await expect(item).toContainText('Recording');
  await expect(item.locator('[data-field=frames]')).toHaveText(`${stream.frames.length} frames`);
  await item.getByRole('button', { name: /^Play / }).click();
  await expect(page.getByText(/Playing: Recording/)).toBeVisible({ timeout: 20_000 });
});

test('a pre-trigger save holds the seconds before the trigger and the seconds after', async ({ page }) => {
  await gotoApp(page);
  await connectKeepingFrames(page);
  const recorder = recorderRegion(page);
  await recorder.getByText('Recorder settings').click();
  await recorder.getByLabel('Seconds before a trigger').fill('2');
  await recorder.getByLabel('Seconds before a trigger').press('Tab');
  await recorder.getByLabel('Seconds after a trigger').fill('1');
  await recorder.getByLabel('Seconds after a trigger').press('Tab');
  await recorder.getByRole('button', { name: 'Arm pre-trigger' }).click();
  await expect(recorder.locator('[data-field=recorder-state]')).toContainText('Armed');
  // The ring (running since the camera connected) holds more than the two seconds asked for.
  await expect
    .poll(() => numberIn(field(page, 'ring-seconds')), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2.5);
  await page.evaluate(() =>
    document.addEventListener(
      'keydown',
      (e) => ((window as unknown as { keyAt: number }).keyAt = e.timeStamp),
      { capture: true, once: true },
    ),
  );
  await page.keyboard.press('t');
  // The time the key reached the page (not when the test sent it: a busy machine delays delivery).
  const triggerAt = await page.evaluate(() => (window as unknown as { keyAt: number }).keyAt);
  await expect(field(page, 'recorder-message')).toContainText('Saved “Trigger', { timeout: 20_000 });
  await recorder.getByRole('button', { name: 'Disarm pre-trigger' }).click();

  const [file] = await opfsRecordings(page);
  const stream = parseStream(file!.bytes);
  expect(stream.damaged).toBe(false);
  // Every frame since the connection: the seconds before a trigger may predate the click on Arm.
  const written = await writtenSince(page, 0);
  const at = expectSentFrames(stream.frames, written);
  const first = written[at[0]!]!.t;
  const last = written[at.at(-1)!]!.t;
  // Two seconds before the trigger...
  expect(triggerAt - first).toBeGreaterThan(1800);
  expect(triggerAt - first).toBeLessThan(2400);
  // ...and one second after it.
  expect(last - triggerAt).toBeGreaterThan(900);
  expect(last - triggerAt).toBeLessThan(1600);
  // With the frames consecutive, every frame the camera sent in the window is in the file, whatever rate the
  // busy test machine reached; its duration is the window's.
  const duration = stream.frames.reduce((sum, f) => sum + f.elapsedMs, 0);
  expect(duration).toBeGreaterThan(2700);
  expect(duration).toBeLessThan(4000);
});

test('split at a size: the next file starts with the next frame, none lost or duplicated', async ({
  page,
}) => {
  await gotoApp(page);
  await connectKeepingFrames(page);
  const recorder = recorderRegion(page);
  await recorder.getByText('Recorder settings').click();
  await recorder.getByLabel('Split files at (MB)').fill('1');
  await recorder.getByLabel('Split files at (MB)').press('Tab');
  const before = await startRecording(page);
  // Past 1 MB the second part is cataloged (and listed) while the recording goes on.
  await expect(page.locator('omv-library-item').filter({ hasText: '(part 2)' })).toHaveCount(1, {
    timeout: 30_000,
  });
  await recorder.getByRole('button', { name: 'Stop recording' }).click();
  await expect(field(page, 'recorder-message')).toContainText('Saved “Recording', { timeout: 20_000 });
  await expect(page.locator('omv-library-item').filter({ hasText: 'Recording…' })).toHaveCount(0);

  const files = await opfsRecordings(page);
  expect(files.length).toBeGreaterThanOrEqual(2);
  const streams = files.map((f) => parseStream(f.bytes));
  for (const [i, s] of streams.entries()) {
    expect(s.damaged).toBe(false);
    if (i < streams.length - 1) expect(files[i]!.bytes.length).toBeLessThanOrEqual(1e6);
    expect(s.frames[0]!.elapsedMs).toBe(0);
  }
  const all = streams.flatMap((s) => s.frames);
  expectSentFrames(all, await writtenSince(page, before));
});

test('a page closed mid-recording is recovered on the next start with at most one second missing', async ({
  context,
}) => {
  const page = await context.newPage();
  await gotoApp(page);
  await connectKeepingFrames(page);
  const before = await startRecording(page);
  // Some frames are already durable (the catalog says so) and the recording goes on.
  await framesWritten(page, 60);
  const sent = await writtenSince(page, before);
  // The tab goes away without any chance to finish (no beforeunload, no Stop).
  await page.close({ runBeforeUnload: false });

  const next = await context.newPage();
  await gotoApp(next);
  const item = next.locator('omv-library-item').filter({ hasText: 'Recovered after an interruption' });
  await expect(item).toHaveCount(1, { timeout: 30_000 });
  await expect(next.locator('[data-field=app-notice]')).toContainText(
    /Recovered “Recording.*after an interruption/,
  );
  const [file] = await opfsRecordings(next);
  const stream = parseStream(file!.bytes);
  expect(stream.damaged, 'the recovered file ends at a complete frame').toBe(false);
  const at = matchWritten(stream.frames, sent);
  // Frames written after `sent` was read are not in `sent`: compare only the part of the file it covers.
  const known = at.filter((i) => i >= 0);
  expect(consecutive(known)).toBe(true);
  const missing = sent.length - 1 - (known.at(-1) ?? -1);
  // At most the last second (30 frames at 30 fps) is missing from what had been sent before the close.
  expect(missing).toBeLessThanOrEqual(31);
  await expect(item.locator('[data-field=frames]')).toHaveText(`${stream.frames.length} frames`);
});

test('a full disk stops the recording cleanly with every earlier frame intact', async ({ page }) => {
  // The storage estimate reports the origin nearly full once the test says so.
  await page.addInitScript(() => {
    const real = StorageManager.prototype.estimate;
    StorageManager.prototype.estimate = async function (this: StorageManager) {
      const r = await real.call(this);
      const left = (window as unknown as { __quotaLeft?: number }).__quotaLeft;
      return left === undefined ? r : { ...r, quota: (r.usage ?? 0) + left };
    };
  });
  await gotoApp(page);
  await connectKeepingFrames(page);
  const recorder = recorderRegion(page);
  const before = await startRecording(page);
  await framesWritten(page, 30);
  await page.evaluate(() => ((window as unknown as { __quotaLeft?: number }).__quotaLeft = 1_000_000));
  await expect(field(page, 'recorder-message')).toContainText('Storage is almost full', { timeout: 20_000 });
  await expect(recorder.getByRole('button', { name: 'Record' })).toBeVisible();
  await expect(page.locator('omv-library-item[selected]')).toBeVisible({ timeout: 20_000 });

  const [file] = await opfsRecordings(page);
  const stream = parseStream(file!.bytes);
  expect(stream.damaged).toBe(false);
  expectSentFrames(stream.frames, await writtenSince(page, before));
  expect(stream.frames.length).toBeGreaterThanOrEqual(30);
});

test('only one tab records: a second tab says which tab holds the recorder', async ({ context }) => {
  const first = await context.newPage();
  await gotoApp(first);
  await connectKeepingFrames(first);
  await recorderRegion(first).getByRole('button', { name: 'Record' }).click();
  await expect(recorderRegion(first).locator('[data-field=recorder-state]')).toHaveText(/Recording/);

  const second = await context.newPage();
  await gotoApp(second);
  await second.getByRole('button', { name: 'Use demo camera' }).click();
  await expect(recorderRegion(second).getByRole('button', { name: 'Record' })).toBeEnabled({
    timeout: 20_000,
  });
  await recorderRegion(second).getByRole('button', { name: 'Record' }).click();
  await expect(recorderRegion(second).getByRole('alert')).toContainText(
    /Another tab is recording: the tab opened at .* \(recording since .*\)/,
  );
  await expect(recorderRegion(second).locator('[data-field=recorder-state]')).toHaveCount(0);

  await recorderRegion(first).getByRole('button', { name: 'Stop recording' }).click();
  await expect(field(first, 'recorder-message')).toContainText('Saved', { timeout: 20_000 });
  // Once the first tab stopped, the second may record.
  await recorderRegion(second).getByRole('button', { name: 'Record' }).click();
  await expect(recorderRegion(second).locator('[data-field=recorder-state]')).toHaveText(/Recording/);
  await recorderRegion(second).getByRole('button', { name: 'Stop recording' }).click();
  await expect(field(second, 'recorder-message')).toContainText('Saved', { timeout: 20_000 });
});

/** The recorder's elapsed figure ("m:ss.mmm") in seconds. */
async function elapsedSeconds(page: Page): Promise<number> {
  const text = (await field(page, 'rec-elapsed').textContent())?.trim() ?? '';
  const m = /^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}
