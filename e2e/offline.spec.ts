import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import {
  fetchFromPage,
  isolationLog,
  logIsolationPerLoad,
  selfCheck,
  waitForServiceWorker,
} from './pwa-helpers';

const samplePath = fileURLToPath(new URL('../public/sample.bin', import.meta.url));

test('once the service worker controls the page, the app starts offline, isolated, with its worker', async ({
  page,
  context,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await logIsolationPerLoad(page);
  await page.goto('/');
  await waitForServiceWorker(page);
  // The host sends the headers: taking control must not reload the page.
  expect(await isolationLog(page)).toEqual([true]);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'omv-recorder' })).toBeVisible();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const check = await selfCheck(page);
  expect(check.state, check.text).toBe('ok');
  // Proof that the network is really gone: what is not precached does not load.
  expect(await fetchFromPage(page, `/not-precached-${test.info().testId}.txt`)).toBe('failed');
  expect(errors).toEqual([]);
});

test('the sample recording is served from the precache offline', async ({ page, context }) => {
  const expected = createHash('sha256').update(readFileSync(samplePath)).digest('hex');
  await page.goto('/');
  await waitForServiceWorker(page);
  expect(
    await page.evaluate(
      async () => (await caches.match('/sample.bin', { ignoreSearch: true })) !== undefined,
    ),
    'sample.bin is in the precache (is the build older than public/sample.bin?)',
  ).toBe(true);
  await context.setOffline(true);
  const digest = await page.evaluate(async () => {
    const bytes = await (await fetch('/sample.bin')).arrayBuffer();
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
  });
  expect(digest).toBe(expected);
});

test('after an offline reload, the app still opens and plays a recording', async ({ page, context }) => {
  await page.goto('/');
  await waitForServiceWorker(page);
  await context.setOffline(true);
  await page.reload();
  expect(await fetchFromPage(page, `/not-precached-${test.info().testId}.txt`)).toBe('failed');
  await page.getByRole('button', { name: 'Try a sample' }).click();
  const frame = page.locator('omv-frame-info [data-field=frame]');
  await expect(frame).toHaveText('1 / 145');
  await page.getByRole('button', { name: 'Play' }).click();
  // The worker draws frame after frame from the precached sample: the position moves on by itself.
  await expect(frame).not.toHaveText('1 / 145');
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
});
