import { expect, test } from '@playwright/test';
import { isolationLog, logIsolationPerLoad, selfCheck, waitForServiceWorker } from './pwa-helpers';

// Runs against a `vite preview` that sends no COOP/COEP (COI_HEADERS=0): a plain static host.

test('a header-less host is isolated after the service worker reloads the page once', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await logIsolationPerLoad(page);
  const first = await page.goto('/');
  expect(first?.headers()['cross-origin-embedder-policy'], 'the server must not send COEP').toBeUndefined();
  await waitForServiceWorker(page);
  const check = await selfCheck(page);
  expect(check.state, check.text).toBe('ok');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // Exactly two loads: the plain one, then the single reload under the service worker.
  expect(await isolationLog(page)).toEqual([false, true]);
  expect(errors).toEqual([]);
});

test('on a header-less host the app stays isolated offline', async ({ page, context }) => {
  await logIsolationPerLoad(page);
  await page.goto('/');
  await waitForServiceWorker(page);
  await page.waitForFunction(() => crossOriginIsolated);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'omv-recorder' })).toBeVisible();
  const check = await selfCheck(page);
  expect(check.state, check.text).toBe('ok');
  expect(await isolationLog(page)).toEqual([false, true, true]);
});
