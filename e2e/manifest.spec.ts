import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { findChromium } from '../scripts/chromium-path';
import { waitForServiceWorker } from './pwa-helpers';

async function appManifest(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    return await cdp.send('Page.getAppManifest', {});
  } finally {
    await cdp.detach();
  }
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): string {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

test('Chromium parses the manifest without errors, with every field the app relies on', async ({ page }) => {
  await page.goto('/');
  await page.waitForFunction(() => document.querySelector('link[rel="manifest"]') !== null);
  const result = await appManifest(page);
  expect(result.errors).toEqual([]);
  // Chromium's parsed view (CDP `manifest`): enum values come as internal names ('kStandalone'), and
  // this view leaves out file_handlers and the share target's files (and echoes the action as enctype).
  const m = result.manifest;
  expect(m.name).toBe('omv-recorder');
  expect(m.description).toContain('OpenMV');
  expect(m.display).toMatch(/standalone/i);
  expect(m.startUrl).toMatch(/\/$/);
  expect(m.launchHandler?.clientMode).toMatch(/focus-?existing/i);
  expect(m.shareTarget?.action).toMatch(/\/share-target$/);
  expect(m.shareTarget?.method).toMatch(/post/i);
  expect(m.icons?.map((i) => i.sizes)).toEqual(['0x0', '192x192', '512x512', '512x512']);
  expect(m.screenshots?.map((s) => [s.formFactor.replace(/^k/, '').toLowerCase(), s.image.sizes])).toEqual([
    ['wide', '1280x800'],
    ['narrow', '540x960'],
  ]);

  // The rest from the manifest text Chromium parsed (0 errors above).
  const raw = JSON.parse(result.data ?? '{}') as {
    short_name: string;
    icons: { src: string; sizes: string; type: string; purpose?: string }[];
    screenshots: { src: string; sizes: string }[];
    file_handlers: unknown;
    share_target: unknown;
  };
  expect(raw.short_name).toBeTruthy();
  expect(raw.icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`)).toEqual([
    'any any',
    '192x192 any',
    '512x512 any',
    '512x512 maskable',
  ]);
  expect(raw.file_handlers).toEqual([{ action: '/', accept: { 'application/x-openmv-imageio': ['.bin'] } }]);
  expect(raw.share_target).toEqual({
    action: '/share-target',
    method: 'POST',
    enctype: 'multipart/form-data',
    params: {
      files: [
        { name: 'recordings', accept: ['application/x-openmv-imageio', '.bin', 'application/octet-stream'] },
      ],
    },
  });
  // Every image exists and has the size the manifest claims.
  for (const image of [...raw.icons, ...raw.screenshots]) {
    const response = await page.request.get(image.src);
    expect(response.status(), image.src).toBe(200);
    if (image.sizes !== 'any') expect(pngSize(await response.body()), image.src).toBe(image.sizes);
  }
});

test('the app is installable (no installability errors in a regular profile)', async ({ baseURL }) => {
  // Playwright's default contexts are incognito-like, which Chromium reports as 'in-incognito'.
  const userDataDir = await mkdtemp(join(tmpdir(), 'omv-install-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: (await findChromium()) ?? undefined,
    headless: true,
    baseURL,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    await waitForServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
});
