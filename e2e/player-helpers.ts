import { expect, type Page } from '@playwright/test';

/**
 * Playwright cannot drive the File System Access picker, so the app is made to fall back to its
 * `<input type=file>`, which goes through Playwright's real file chooser.
 */
export async function withoutFsAccessPicker(page: Page): Promise<void> {
  await page.addInitScript(() => {
    delete (window as unknown as { showOpenFilePicker?: unknown }).showOpenFilePicker;
  });
}

/**
 * Loads the app and waits until it is cross-origin isolated: at once where the host sends COOP/COEP,
 * after the service worker's single reload on a header-less host.
 */
export async function gotoApp(page: Page): Promise<void> {
  await page.goto('/');
  await expect
    .poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 30_000 })
    .toBe(true);
  await expect(page.getByRole('button', { name: 'Open file' })).toBeEnabled();
}

/** Opens `bytes` as a file named `name` through "Open file" and the file chooser. */
export async function openThroughChooser(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Open file' }).click();
  await (await chooser).setFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
}

/**
 * Waits until the app says it plays `name` (the file is open in the player worker): until then the frame
 * information may still be the previous file's.
 */
export async function expectOpened(page: Page, name: string): Promise<void> {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await expect(page.getByText(new RegExp(`^\\s*Playing: ${escaped}(\\s|$)`))).toBeVisible();
}

/** Waits until the player shows frame `index` (0-based), as its frame information says. */
export async function expectFrame(page: Page, index: number, count: number): Promise<void> {
  await expect(page.locator('omv-frame-info [data-field=frame]')).toHaveText(`${index + 1} / ${count}`);
}

interface PlayerHandle {
  client: {
    snapshot(): Promise<{ index: number; width: number; height: number; rgba: Uint8ClampedArray }>;
    report(
      clear?: boolean,
    ): Promise<{ shown: { index: number; at: number; dueAt: number }[]; skipped: number }>;
    state: { playing: boolean } | null;
  };
}

/** The pixels on screen, as plain numbers (they cross from the page to the test). */
export async function snapshot(
  page: Page,
): Promise<{ index: number; width: number; height: number; rgba: number[] }> {
  return page.evaluate(async () => {
    const player = document
      .querySelector('omv-app')!
      .shadowRoot!.querySelector('omv-player') as unknown as PlayerHandle;
    const s = await player.client.snapshot();
    return { index: s.index, width: s.width, height: s.height, rgba: Array.from(s.rgba) };
  });
}

/** The scheduler's report of shown frames. */
export async function schedulerReport(page: Page) {
  return page.evaluate(async () => {
    const player = document
      .querySelector('omv-app')!
      .shadowRoot!.querySelector('omv-player') as unknown as PlayerHandle;
    return player.client.report();
  });
}

/** Decodes a JPEG or PNG in the page with the platform decoder, as RGBA numbers: the reference for compressed frames. */
export async function platformDecode(page: Page, bytes: Uint8Array, type: string): Promise<number[]> {
  return page.evaluate(
    async ({ data, type }) => {
      const bitmap = await createImageBitmap(new Blob([new Uint8Array(data)], { type }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      return Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data);
    },
    { data: Array.from(bytes), type },
  );
}
