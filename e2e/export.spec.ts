import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ImageIO, MemoryStore, frameDurations } from '../src/format/index';
import { toRgba } from '../src/format/pixels/index';
import { expectFrame, gotoApp, schedulerReport, withoutFsAccessPicker } from './player-helpers';

const SAMPLE = new Uint8Array(readFileSync(new URL('../public/sample.bin', import.meta.url)));
const sample = ImageIO.open(new MemoryStore(SAMPLE), 'r');
const COUNT = sample.count();
/** The selection used throughout: frames 22..33, twelve GRAYSCALE 160x120 frames 200 ms apart. */
const FROM = 22;
const TO = 33;

const hasFfprobe = spawnSync('ffprobe', ['-version']).status === 0;
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

let dir = '';
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'omv-export-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.beforeEach(async ({ page }) => {
  await withoutFsAccessPicker(page);
  await gotoApp(page);
  await page.getByRole('button', { name: 'Try a sample' }).click();
  await expectFrame(page, 0, COUNT);
});

/** Moves to `index` with the frame keys (Home, then '.'). */
async function goTo(page: Page, index: number): Promise<void> {
  await page.keyboard.press('Home');
  await expectFrame(page, 0, COUNT);
  for (let i = 0; i < index; i++) await page.keyboard.press('.');
  await expectFrame(page, index, COUNT);
}

/** Sets the in and out points with the I and O keys. */
async function select(page: Page, from: number, to: number): Promise<void> {
  await goTo(page, from);
  await page.keyboard.press('i');
  for (let i = from; i < to; i++) await page.keyboard.press('.');
  await expectFrame(page, to, COUNT);
  await page.keyboard.press('o');
  await expect(page.locator('omv-player [data-field=selection]')).toContainText(
    `frames ${from + 1}–${to + 1} (${to - from + 1} frames`,
  );
}

function dialog(page: Page) {
  return page.getByRole('dialog', { name: 'Export' });
}

async function exportAs(page: Page, kind: string): Promise<void> {
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog(page)).toBeVisible();
  await dialog(page).getByLabel('Export as').selectOption({ label: kind });
}

/** Starts the export, waits for it, clicks the deliver button and saves the download. */
async function exportAndDownload(page: Page, kind: string, name: string): Promise<string> {
  await exportAs(page, kind);
  await dialog(page).getByRole('button', { name: 'Start export' }).click();
  const deliver = dialog(page).getByRole('button', { name: 'Download', exact: true });
  await expect(deliver).toBeVisible({ timeout: 60_000 });
  const download = page.waitForEvent('download');
  await deliver.click();
  const d = await download;
  expect(d.suggestedFilename()).toBe(name);
  const path = join(dir, `${test.info().testId}-${d.suggestedFilename()}`);
  await d.saveAs(path);
  return path;
}

function probe(path: string): { frames: number; width: number; height: number; duration: number } {
  const r = spawnSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames,width,height:format=duration',
      '-of',
      'json',
      path,
    ],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as {
    streams: { nb_read_frames: string; width: number; height: number }[];
    format: { duration: string };
  };
  const s = j.streams[0]!;
  return {
    frames: Number(s.nb_read_frames),
    width: s.width,
    height: s.height,
    duration: Number(j.format.duration) * 1000,
  };
}

/** The selection's length as the engine times clips: each frame until the next, the last the mean. */
function selectionMs(from: number, to: number): number {
  const elapsed = Array.from({ length: to - from + 1 }, (_, i) => sample.frameInfo(from + i).elapsedMs);
  return frameDurations(elapsed, 100).reduce((a, b) => a + b, 0);
}

test('sets in and out points with the keys and shows them on the slider', async ({ page }) => {
  await select(page, FROM, TO);
  await expect(page.getByRole('slider', { name: 'Position' })).toHaveAttribute(
    'data-selection',
    `${FROM}-${TO}`,
  );
  // The selection plays in a loop: playing from its out point comes back to its in point.
  await page.getByRole('button', { name: 'Play' }).click();
  await expect
    .poll(
      async () => {
        const shown = (await schedulerReport(page)).shown.map((s) => s.index);
        return shown.some((v, i) => v === TO && shown[i + 1] === FROM);
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  await page.getByRole('button', { name: 'Pause' }).click();
  const shown = (await schedulerReport(page)).shown.map((s) => s.index);
  expect(shown.filter((i) => i < FROM || i > TO)).toEqual([]);
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toContainText(
    'Set in point / out point',
  );
});

test('exports the selection as a GIF and an AVI whose frames, size and duration are the selection', async ({
  page,
}) => {
  test.skip(!hasFfprobe, 'ffprobe is not installed (CI installs ffmpeg): the GIF and AVI are not judged');
  await select(page, FROM, TO);
  const n = TO - FROM + 1;
  const ms = selectionMs(FROM, TO);

  const gif = await exportAndDownload(page, 'Animated GIF', `sample-f${FROM + 1}-${TO + 1}.gif`);
  await expect(dialog(page)).toContainText('Estimated size');
  const g = probe(gif);
  expect([g.frames, g.width, g.height]).toEqual([n, 160, 120]);
  expect(Math.abs(g.duration - ms)).toBeLessThanOrEqual(20);
  await dialog(page).getByRole('button', { name: 'Close' }).click();

  const avi = await exportAndDownload(page, 'Motion-JPEG AVI', `sample-f${FROM + 1}-${TO + 1}.avi`);
  const a = probe(avi);
  expect([a.frames, a.width, a.height]).toEqual([n, 160, 120]);
  expect(Math.abs(a.duration - ms)).toBeLessThanOrEqual(20);
});

test('GIF speed and loop options: 2x halves the delays, loop off plays once', async ({ page }) => {
  test.skip(!hasFfprobe, 'ffprobe is not installed (CI installs ffmpeg): the GIF is not judged');
  await select(page, FROM, TO);
  await exportAs(page, 'Animated GIF');
  await dialog(page).getByLabel('Speed').selectOption('2');
  await dialog(page).getByLabel('Loop').uncheck();
  await dialog(page).getByRole('button', { name: 'Start export' }).click();
  const share = dialog(page).getByRole('button', { name: /^(Share|Download)$/ });
  await expect(share).toBeVisible({ timeout: 60_000 });
  const download = page.waitForEvent('download');
  await share.click();
  const path = join(dir, 'speed2.gif');
  await (await download).saveAs(path);
  const g = probe(path);
  expect(g.frames).toBe(TO - FROM + 1);
  expect(Math.abs(g.duration - selectionMs(FROM, TO) / 2)).toBeLessThanOrEqual(20);
  // No NETSCAPE2.0 loop extension: the GIF plays once.
  expect(readFileSync(path).includes(Buffer.from('NETSCAPE2.0'))).toBe(false);
});

test('a trimmed .bin holds the selected frames, byte for byte', async ({ page }) => {
  await select(page, FROM, TO);
  const path = await exportAndDownload(
    page,
    'ImageIO .bin (trimmed, V2.0)',
    `sample-f${FROM + 1}-${TO + 1}.bin`,
  );
  const out = ImageIO.open(new MemoryStore(new Uint8Array(readFileSync(path))), 'r');
  expect(out.count()).toBe(TO - FROM + 1);
  expect(out.version()).toBe(20);
  for (let i = 0; i < out.count(); i++) {
    expect(Buffer.from(out.frameAt(i).data).equals(Buffer.from(sample.frameAt(FROM + i).data))).toBe(true);
  }
});

test('a still of a region has the region’s size and pixels', async ({ page }) => {
  test.skip(!hasFfmpeg, 'ffmpeg is not installed (CI installs it): the PNG is not decoded');
  await goTo(page, FROM);
  const frame = page.locator('omv-player .frame');
  const box = (await frame.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.25);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.8, { steps: 5 });
  await page.mouse.up();
  const text = await page.locator('omv-player [data-field=region]').textContent();
  const [, w, h, x, y] = /(\d+)×(\d+) at (\d+),(\d+)/.exec(text ?? '')!.map(Number) as number[];
  expect(w! * h!).toBeGreaterThan(0);

  await exportAs(page, 'Still image (current frame)');
  // GRAYSCALE: PPM is not offered, and the dialog says why.
  await expect(dialog(page)).toContainText('PPM holds RGB565 frames only; this one is GRAYSCALE');
  await dialog(page).getByLabel('Format', { exact: true }).selectOption('png');
  await dialog(page).getByRole('button', { name: 'Start export' }).click();
  const share = dialog(page).getByRole('button', { name: /^(Share|Download)$/ });
  await expect(share).toBeVisible();
  const download = page.waitForEvent('download');
  await share.click();
  const path = join(dir, 'region.png');
  await (await download).saveAs(path);

  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], {
    maxBuffer: 1 << 26,
  });
  expect(r.status, String(r.stderr)).toBe(0);
  const g = probe(path);
  expect([g.width, g.height]).toEqual([w, h]);
  const full = toRgba(sample.frameAt(FROM));
  const fw = sample.frameInfo(FROM).width;
  const expected = Buffer.alloc(w! * h! * 4);
  for (let row = 0; row < h!; row++) {
    const start = ((y! + row) * fw + x!) * 4;
    expected.set(full.subarray(start, start + w! * 4), row * w! * 4);
  }
  expect(Buffer.compare(r.stdout, expected)).toBe(0);

  // PGM (GRAYSCALE frames only) cuts the region out as Image.save does: the frame's own bytes.
  await dialog(page).getByLabel('Format', { exact: true }).selectOption('pgm');
  await dialog(page).getByRole('button', { name: 'Start export' }).click();
  const pgmDownload = page.waitForEvent('download');
  await dialog(page).getByRole('button', { name: 'Download', exact: true }).click();
  const pgmPath = join(dir, 'region.pgm');
  await (await pgmDownload).saveAs(pgmPath);
  const pgm = readFileSync(pgmPath);
  const header = `P5\n${w} ${h}\n255\n`;
  expect(pgm.subarray(0, header.length).toString('latin1')).toBe(header);
  const gray = sample.frameAt(FROM).data;
  const rows = Buffer.alloc(w! * h!);
  for (let row = 0; row < h!; row++)
    rows.set(gray.subarray((y! + row) * fw + x!, (y! + row) * fw + x! + w!), row * w!);
  expect(Buffer.compare(pgm.subarray(header.length), rows)).toBe(0);

  // Escape clears the region.
  await dialog(page).getByRole('button', { name: 'Close' }).click();
  await page.keyboard.press('Escape');
  await expect(page.locator('omv-player [data-field=region]')).toHaveCount(0);
});

test('cancelling an export leaves no file and no download', async ({ page }) => {
  let downloads = 0;
  page.on('download', () => downloads++);
  await exportAs(page, 'Animated GIF');
  // The whole recording, large and dithered: slow enough to cancel part-way.
  await dialog(page).getByLabel('Width').fill('2048');
  await dialog(page).getByLabel('Width').dispatchEvent('change');
  await dialog(page).getByLabel('Dithering').selectOption('floyd-steinberg');
  await dialog(page).getByRole('button', { name: 'Start export' }).click();
  await expect(dialog(page).locator('[data-field=progress]')).toContainText(`/ ${COUNT} frames`);
  await dialog(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog(page)).toContainText('Export cancelled; nothing was saved.');
  await expect(dialog(page).getByRole('button', { name: /^(Share|Download)$/ })).toHaveCount(0);
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const root = await navigator.storage.getDirectory();
        const scratch = await root.getDirectoryHandle('export-scratch', { create: true });
        const names: string[] = [];
        for await (const name of (scratch as unknown as { keys(): AsyncIterable<string> }).keys())
          names.push(name);
        return names;
      }),
    )
    .toEqual([]);
  expect(downloads).toBe(0);
});

test('Share hands navigator.share the file with the right name, type and bytes', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { shared: unknown };
    Object.defineProperty(navigator, 'canShare', { value: () => true, configurable: true });
    Object.defineProperty(navigator, 'share', {
      configurable: true,
      value: async (data: { files: File[] }) => {
        const f = data.files[0]!;
        w.shared = { name: f.name, type: f.type, bytes: Array.from(new Uint8Array(await f.arrayBuffer())) };
      },
    });
  });
  await page.reload();
  await gotoApp(page);
  await page.getByRole('button', { name: 'Try a sample' }).click();
  await expectFrame(page, 0, COUNT);
  await select(page, FROM, TO);
  await exportAs(page, 'Animated GIF');
  // The estimated size is shown before starting.
  await expect(dialog(page).locator('[data-field=estimate]')).toContainText(
    /about .* \(160×120, 12 frames\)/,
  );
  await dialog(page).getByRole('button', { name: 'Start export' }).click();
  const share = dialog(page).getByRole('button', { name: 'Share', exact: true });
  await expect(share).toBeVisible({ timeout: 60_000 });
  await share.click();
  await expect(dialog(page)).toContainText('Shared');
  const shared = (await page.evaluate(() => (window as unknown as { shared: unknown }).shared)) as {
    name: string;
    type: string;
    bytes: number[];
  };
  expect([shared.name, shared.type]).toEqual([`sample-f${FROM + 1}-${TO + 1}.gif`, 'image/gif']);
  // The same file, saved: byte for byte what was shared.
  const download = page.waitForEvent('download');
  await dialog(page).getByRole('button', { name: 'Save a copy' }).click();
  const path = join(dir, 'shared.gif');
  await (await download).saveAs(path);
  expect(Buffer.from(shared.bytes).equals(readFileSync(path))).toBe(true);
  expect(readFileSync(path).subarray(0, 6).toString('latin1')).toBe('GIF89a');
});

test('Copy frame puts the frame on the clipboard as a PNG of the frame’s size', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await goTo(page, FROM);
  await page.getByRole('button', { name: 'Copy frame' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Frame copied to the clipboard as PNG.' }),
  ).toBeVisible();
  const png = await page.evaluate(async () => {
    const [item] = await navigator.clipboard.read();
    const blob = await item!.getType('image/png');
    const bitmap = await createImageBitmap(blob);
    return { type: blob.type, width: bitmap.width, height: bitmap.height };
  });
  const f = sample.frameInfo(FROM);
  expect(png).toEqual({ type: 'image/png', width: f.width, height: f.height });
});
