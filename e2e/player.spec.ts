import { expect, test } from '@playwright/test';
import { ImageIO, MemoryStore, PIXFORMAT, pixformatName } from '../src/format/index';
import { toRgba } from '../src/format/pixels/index';
import { damaged, knownIntervals, mixed, notAStream, perFormat } from './fixtures/streams';
import {
  expectFrame,
  expectOpened,
  gotoApp,
  openThroughChooser,
  platformDecode,
  schedulerReport,
  snapshot,
  withoutFsAccessPicker,
} from './player-helpers';

test.beforeEach(async ({ page }) => {
  await withoutFsAccessPicker(page);
  await gotoApp(page);
});

for (const version of [10, 11, 20, 21] as const) {
  test(`every pixel format of V${Math.floor(version / 10)}.${version % 10} shows the engine's pixels`, async ({
    page,
  }) => {
    for (const fixture of perFormat(version)) {
      await openThroughChooser(page, fixture.name, fixture.bytes);
      const io = ImageIO.open(new MemoryStore(fixture.bytes), 'r');
      const chosen = io.count() - 1; // the last frame: a size that differs from the first
      // This file, not the previous one, is open and on its first frame before the steps are sent.
      await expectOpened(page, fixture.name);
      await expectFrame(page, 0, io.count());
      await page.getByRole('button', { name: 'Next frame' }).click();
      for (let i = 1; i < chosen; i++) await page.keyboard.press('.');
      await expectFrame(page, chosen, io.count());
      const frame = io.frameAt(chosen);
      const shot = await snapshot(page);
      expect([shot.index, shot.width, shot.height], fixture.name).toEqual([
        chosen,
        frame.width,
        frame.height,
      ]);
      const format = pixformatName(frame.pixformat);
      await expect(page.locator('omv-frame-info [data-field=format]')).toContainText(format);
      const expected =
        frame.pixformat === PIXFORMAT.JPEG || frame.pixformat === PIXFORMAT.PNG
          ? await platformDecode(
              page,
              frame.data,
              frame.pixformat === PIXFORMAT.JPEG ? 'image/jpeg' : 'image/png',
            )
          : Array.from(toRgba(frame));
      expect(shot.rgba.length, `${fixture.name} ${format}`).toBe(expected.length);
      const firstDiff = shot.rgba.findIndex((v, i) => v !== expected[i]);
      expect(firstDiff, `${fixture.name} ${format}: first differing byte`).toBe(-1);
    }
  });
}

test('plays at the recorded intervals, in order, never early', async ({ page }) => {
  const fixture = knownIntervals();
  await openThroughChooser(page, fixture.name, fixture.bytes);
  await expectFrame(page, 0, fixture.frames.length);
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  // Playback ends by itself after the last frame (loop is off): the button turns back into Play.
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible({ timeout: 30_000 });
  const { shown, skipped } = await schedulerReport(page);
  const indices = shown.map((s) => s.index);
  expect(indices.length + skipped).toBe(fixture.frames.length - 1);
  expect(indices.at(-1)).toBe(fixture.frames.length - 1);
  for (let k = 1; k < shown.length; k++) {
    const [a, b] = [shown[k - 1]!, shown[k]!];
    expect(b.index).toBeGreaterThan(a.index);
    const recorded = fixture.frames.slice(a.index + 1, b.index + 1).reduce((t, f) => t + f.elapsedMs, 0);
    expect(b.dueAt - a.dueAt).toBeCloseTo(recorded, 6);
    expect(b.at).toBeGreaterThanOrEqual(b.dueAt);
  }
});

test('keys step, seek and change speed like a video player', async ({ page }) => {
  const fixture = knownIntervals();
  const n = fixture.frames.length;
  await openThroughChooser(page, fixture.name, fixture.bytes);
  await expectFrame(page, 0, n);
  await page.keyboard.press('.');
  await expectFrame(page, 1, n);
  await page.keyboard.press(',');
  await expectFrame(page, 0, n);
  await page.keyboard.press('End');
  await expectFrame(page, n - 1, n);
  await page.keyboard.press('Home');
  await expectFrame(page, 0, n);
  await page.keyboard.press(']');
  await expect(page.getByRole('combobox', { name: 'Speed' })).toHaveValue('1.5');
  await page.keyboard.press('[');
  await page.keyboard.press('[');
  await expect(page.getByRole('combobox', { name: 'Speed' })).toHaveValue('0.75');
  await page.keyboard.press('5');
  const half = fixture.frames.reduce((t, f, i) => (i === 0 ? t : t + f.elapsedMs), 0) / 2;
  let at = 0;
  let expected = 0;
  fixture.frames.forEach((f, i) => {
    if (i > 0) at += f.elapsedMs;
    if (at <= half) expected = i;
  });
  await expectFrame(page, expected, n);
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeHidden();
});

test('a damaged file plays its complete frames and offers a repaired copy', async ({ page }) => {
  const fixture = damaged();
  await openThroughChooser(page, fixture.name, fixture.bytes);
  const banner = page.locator('omv-player').getByRole('alert').filter({ hasText: 'Damaged from frame' });
  await expect(banner).toContainText(`Damaged from frame ${fixture.expectedFrames + 1}`);
  await page.keyboard.press('End');
  await expectFrame(page, fixture.expectedFrames - 1, fixture.expectedFrames);
  const repaired = page.waitForEvent('console', (m) => m.text().startsWith('repaired-copy'));
  await page.evaluate(() =>
    document.querySelector('omv-app')!.addEventListener('repaired-copy', (e) => {
      const { file, frames } = (e as CustomEvent<{ file: File; frames: number }>).detail;
      console.log(`repaired-copy ${frames} ${file.size}`);
    }),
  );
  await page.getByRole('button', { name: 'Repair a copy' }).click();
  expect((await repaired).text()).toBe(`repaired-copy ${fixture.expectedFrames} ${fixture.damageOffset}`);
});

test('a file that is not a stream gets a one-line explanation', async ({ page }) => {
  const fixture = notAStream();
  await openThroughChooser(page, fixture.name, fixture.bytes);
  await expect(page.locator('omv-player').getByRole('alert')).toHaveText(
    `"${fixture.name}" is not an OpenMV ImageIO stream: it does not start with "OMV IMG STR".`,
  );
});

test('sizes and formats changing mid-stream stay letterboxed in a stable stage', async ({ page }) => {
  const fixture = mixed();
  await openThroughChooser(page, fixture.name, fixture.bytes);
  // Measured once the file is open and its first frame is up: opening it changes the page around the stage.
  await expectOpened(page, fixture.name);
  await expectFrame(page, 0, fixture.frames.length);
  const stage = page.getByRole('region', { name: 'Player' });
  const box = await stage.boundingBox();
  for (let i = 0; i < fixture.frames.length; i++) {
    await expectFrame(page, i, fixture.frames.length);
    const f = fixture.frames[i]!;
    const canvas = await stage.locator('canvas').boundingBox();
    expect(await stage.boundingBox()).toEqual(box);
    // The frame keeps its aspect ratio and fits inside the stage.
    expect(canvas!.width / canvas!.height).toBeCloseTo(f.width / f.height, 1);
    expect(canvas!.width).toBeLessThanOrEqual(box!.width + 0.5);
    expect(canvas!.height).toBeLessThanOrEqual(box!.height + 0.5);
    await page.keyboard.press('.');
  }
});

test('a recording dropped anywhere on the window plays', async ({ page }) => {
  const fixture = knownIntervals();
  await page.evaluate(
    ({ bytes, name }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], name));
      document.body.dispatchEvent(
        new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }),
      );
      document.body.dispatchEvent(
        new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
      );
    },
    { bytes: Array.from(fixture.bytes), name: 'dropped.bin' },
  );
  await expect(page.locator('omv-app .current')).toContainText('Playing: dropped.bin');
  await expectFrame(page, 0, fixture.frames.length);
});

test('loop plays the last frame, then the first again', async ({ page }) => {
  const fixture = knownIntervals();
  await openThroughChooser(page, fixture.name, fixture.bytes);
  const loop = page.getByRole('button', { name: 'Loop' });
  await loop.click();
  await expect(loop).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('End');
  await expectFrame(page, fixture.frames.length - 1, fixture.frames.length);
  await page.getByRole('button', { name: 'Play' }).click();
  await expect
    .poll(async () => (await schedulerReport(page)).shown.map((s) => s.index).slice(0, 2), {
      timeout: 30_000,
    })
    .toEqual([0, 1]);
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
});
