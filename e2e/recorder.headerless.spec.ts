import { expect, test } from '@playwright/test';
import { emulatorBundle, installFakeSerial } from './fake-serial';
import {
  connectKeepingFrames,
  field,
  framesWritten,
  expectSentFrames,
  opfsRecordings,
  parseStream,
  recorderRegion,
  startRecording,
  writtenSince,
} from './recorder-helpers';

// A plain static host with the service worker blocked: the page is never cross-origin isolated, so there
// is no SharedArrayBuffer and the recorder gets its frames as transferred copies.
test.use({ serviceWorkers: 'block' });

test('without cross-origin isolation the app says so and still records every frame', async ({ page }) => {
  await page.addInitScript({ content: await emulatorBundle() });
  await page.addInitScript(installFakeSerial);
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Open file' })).toBeEnabled();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  await connectKeepingFrames(page);
  const recorder = recorderRegion(page);
  await expect(recorder.locator('[data-field=no-shared-memory]')).toContainText('not cross-origin isolated');
  const before = await startRecording(page);
  await framesWritten(page, 45);
  await recorder.getByRole('button', { name: 'Stop recording' }).click();
  await expect(field(page, 'recorder-message')).toContainText('Saved “Recording', { timeout: 20_000 });

  const [file] = await opfsRecordings(page);
  const stream = parseStream(file!.bytes);
  expect(stream.damaged).toBe(false);
  expectSentFrames(stream.frames, await writtenSince(page, before));
  expect(stream.frames.length).toBeGreaterThanOrEqual(45);
});
