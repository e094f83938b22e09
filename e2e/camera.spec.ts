import { expect, test, type Locator, type Page } from '@playwright/test';
import { emulatorBundle, installFakeSerial } from './fake-serial';
import { gotoApp } from './player-helpers';

const liveView = (page: Page) => page.getByRole('region', { name: 'Live view' });
const count = async (field: Locator) => Number((await field.textContent())?.trim() ?? 'NaN');

/** Waits until the number in `field` grows past its current value (twice: frames keep coming). */
async function expectGrowing(field: Locator): Promise<void> {
  await expect.poll(() => count(field), { timeout: 20_000 }).toBeGreaterThan(0);
  const seen = await count(field);
  await expect.poll(() => count(field), { timeout: 20_000 }).toBeGreaterThan(seen);
}

/** The live view's canvas pixels, read back from its worker. */
async function livePixels(page: Page): Promise<{ width: number; height: number; distinct: number }> {
  return page.evaluate(async () => {
    type Handle = {
      client: { snapshot(): Promise<{ width: number; height: number; rgba: Uint8ClampedArray }> };
    };
    const view = document
      .querySelector('omv-app')!
      .shadowRoot!.querySelector('omv-live-view') as unknown as Handle;
    const s = await view.client.snapshot();
    const values = new Set<number>();
    for (let i = 0; i < s.rgba.length; i += 4)
      values.add((s.rgba[i]! << 16) | (s.rgba[i + 1]! << 8) | s.rgba[i + 2]!);
    return { width: s.width, height: s.height, distinct: values.size };
  });
}

/** Frames arrive, are drawn by the worker, and the statistics move. */
async function expectStreaming(page: Page): Promise<void> {
  const live = liveView(page);
  await expectGrowing(live.locator('[data-field=shown]'));
  await expectGrowing(live.locator('[data-field=frames]'));
  await expect(live.locator('[data-field=format]')).not.toHaveText('–');
  await expect(live.locator('[data-field=size]')).toHaveText(/^\d+ × \d+$/);
  const [w, h] = (await live.locator('[data-field=size]').textContent())!.split(' × ').map(Number);
  const pixels = await livePixels(page);
  expect([pixels.width, pixels.height]).toEqual([w, h]);
  // A real picture, not a blank canvas.
  expect(pixels.distinct).toBeGreaterThan(1);
}

/** Stops the running script, then runs the one in the editor: its output reaches the terminal. */
async function stopAndRunScript(page: Page): Promise<void> {
  const live = liveView(page);
  const terminal = live.getByRole('log', { name: 'Camera output' });
  await expect(live.getByRole('button', { name: 'Stop script' })).toBeEnabled();
  await live.getByRole('button', { name: 'Stop script' }).click();
  await expect(live.getByRole('status')).not.toContainText('script running');
  await live.getByRole('button', { name: 'Clear output' }).click();
  await expect(terminal).toHaveText('');
  await live.getByRole('button', { name: 'Run script' }).click();
  await expect(live.getByRole('status')).toContainText('script running');
  await expect(terminal).toHaveText(/\S/, { timeout: 20_000 });
  await expectGrowing(live.locator('[data-field=shown]'));
}

test.describe('demo camera', () => {
  test('shows frames, runs and stops a script, disconnects', async ({ page }) => {
    await gotoApp(page);
    const live = liveView(page);
    await page.getByRole('button', { name: 'Use demo camera' }).click();
    await expect(live.getByRole('status')).toContainText('Connected', { timeout: 20_000 });
    await expectStreaming(page);
    await stopAndRunScript(page);
    await live.getByRole('button', { name: 'Disconnect' }).click();
    await expect(live.getByRole('status')).toHaveText('Disconnected.');
    await expect(live.getByRole('button', { name: 'Run script' })).toBeDisabled();
    // Nothing arrives any more.
    const frames = await count(live.locator('[data-field=shown]'));
    await page.waitForTimeout(300);
    expect(await count(live.locator('[data-field=shown]'))).toBe(frames);
  });
});

test.describe('Web Serial camera (fake SerialPort fed by the emulator)', () => {
  test.beforeEach(async ({ page }) => {
    await page.addInitScript({ content: await emulatorBundle() });
    await page.addInitScript(installFakeSerial);
  });

  test('connects at 921600 with DTR, streams, survives an unplug and reconnects', async ({ page }) => {
    await gotoApp(page);
    const live = liveView(page);
    await page.getByRole('button', { name: 'Connect camera' }).click();
    await expect(live.getByRole('status')).toContainText('Connected', { timeout: 20_000 });
    const log = () =>
      page.evaluate(() => (window as unknown as { __fakeSerial: { log: string[] } }).__fakeSerial.log);
    const opened = (await log()).find((l) => l.startsWith('open '));
    const options = JSON.parse(opened!.slice(5)) as SerialOptions;
    expect(options.baudRate).toBe(921600);
    expect(options.bufferSize).toBeGreaterThanOrEqual(65536);
    expect(await log()).toContain('signals {"dataTerminalReady":true,"requestToSend":true}');
    expect((await log()).find((l) => l.startsWith('requestPort'))).toContain('"usbVendorId":14277');

    // The board boots running its main.py, which streams and prints its frame rate.
    await expectStreaming(page);
    await expect(live.getByRole('log', { name: 'Camera output' })).toHaveText(/\S/, { timeout: 20_000 });

    // Unplug: a clear state, nothing hangs, the controls say what is possible.
    await page.evaluate(() =>
      (window as unknown as { __fakeSerial: { unplug(): void } }).__fakeSerial.unplug(),
    );
    await expect(live.getByRole('status')).toContainText('disconnected (unplugged or reset)');
    await expect(live.getByRole('status')).toHaveAttribute('data-state', 'lost');
    await expect(live.getByRole('button', { name: 'Run script' })).toBeDisabled();
    const frozen = await count(live.locator('[data-field=shown]'));
    await page.waitForTimeout(300);
    expect(await count(live.locator('[data-field=shown]'))).toBe(frozen);

    // Plug it back in and connect again.
    await page.evaluate(() =>
      (window as unknown as { __fakeSerial: { replug(): void } }).__fakeSerial.replug(),
    );
    await page.getByRole('button', { name: 'Connect camera' }).click();
    await expect(live.getByRole('status')).toContainText('Connected', { timeout: 20_000 });
    await expectGrowing(live.locator('[data-field=shown]'));

    // Both ports closed cleanly: the strict fake's close() rejects while a stream is locked and logs only
    // a successful close (the lost port during teardown, the second one on Disconnect).
    await live.getByRole('button', { name: 'Disconnect' }).click();
    await expect(live.getByRole('status')).toHaveText('Disconnected.');
    await expect.poll(async () => (await log()).filter((l) => l === 'close').length).toBe(2);
  });

  test('a port another program holds gives a one-line reason', async ({ page }) => {
    await page.addInitScript(() => {
      // Chromium's error when the OS refuses the open (another process holds the device).
      const fake = (window as unknown as { __fakeSerial: { ports: { open: () => Promise<void> }[] } })
        .__fakeSerial;
      fake.ports[0]!.open = () =>
        Promise.reject(new DOMException('Failed to open serial port.', 'NetworkError'));
    });
    await gotoApp(page);
    await page.getByRole('button', { name: 'Connect camera' }).click();
    const status = liveView(page).getByRole('status');
    await expect(status).toContainText('The serial port is busy');
    await expect(status).toHaveAttribute('data-state', 'failed');
  });

  test('a device that does not answer the probe is named as not an OpenMV camera', async ({ page }) => {
    await page.addInitScript(() => {
      (window as unknown as { __fakeSerial: { control: { silent: boolean } } }).__fakeSerial.control.silent =
        true;
    });
    await gotoApp(page);
    await page.getByRole('button', { name: 'Connect camera' }).click();
    const status = liveView(page).getByRole('status');
    await expect(status).toContainText('This does not look like an OpenMV camera');
    await expect(status).toHaveAttribute('data-state', 'failed');
    // The port was released: connecting again opens it again (the strict fake refuses a second open otherwise).
    await page.evaluate(() => {
      (window as unknown as { __fakeSerial: { control: { silent: boolean } } }).__fakeSerial.control.silent =
        false;
    });
    await page.getByRole('button', { name: 'Connect camera' }).click();
    await expect(status).toContainText('Connected', { timeout: 20_000 });
  });
});
