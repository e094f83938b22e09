import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';
import { isolationLog, logIsolationPerLoad, waitForServiceWorker } from './pwa-helpers';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
let root = '';
let server: PreviewServer | undefined;
let base = '';

// A private copy of the build on its own server, so the test can publish a "next version" of the
// service worker without touching dist/.
test.beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omv-update-'));
  await cp(dist, join(root, 'dist'), { recursive: true });
  server = await preview({
    configFile: false,
    root,
    logLevel: 'silent',
    preview: {
      host: 'localhost',
      port: 4180,
      strictPort: false,
      headers: {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      },
    },
  });
  base = server.resolvedUrls?.local[0] ?? '';
});

test.afterAll(async () => {
  await server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

type MarkedWindow = Window & { e2eMarker?: string; e2eControllerChanges?: number; e2eUnloading?: boolean };

test('a new version waits for the user and never reloads the page by itself', async ({ page }) => {
  await logIsolationPerLoad(page);
  expect(base, 'the private preview server started').not.toBe('');
  await page.goto(base);
  await waitForServiceWorker(page);

  // Publish a "next version" (the same worker script, one byte different), then open the app again, as a
  // returning user would: the page is now controlled, so the new worker counts as an update of it.
  await appendFile(join(root, 'dist', 'sw.js'), '\n// e2e: next version\n');
  await page.reload();
  await page.evaluate(() => {
    const w = window as MarkedWindow;
    w.e2eMarker = 'same document';
    w.e2eControllerChanges = 0;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      w.e2eControllerChanges = (w.e2eControllerChanges ?? 0) + 1;
    });
    // location.reload() runs beforeunload synchronously, before the navigation leaves the renderer.
    window.addEventListener('beforeunload', () => (w.e2eUnloading = true));
  });
  const navigations: string[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest()) navigations.push(r.url());
  });
  await expect
    .poll(() =>
      page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state ?? 'none'),
    )
    .toBe('installed');
  // It waits: the old worker still controls, nothing reloaded.
  expect(
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return [reg?.active?.state, reg?.waiting?.state, (window as MarkedWindow).e2eMarker];
    }),
  ).toEqual(['activated', 'installed', 'same document']);

  // Even when the new version is let in from elsewhere (another tab's "Reload"), this page stays put.
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    reg?.waiting?.postMessage({ type: 'SKIP_WAITING' });
  });
  // Resolves on the switch, or at once in a reloaded document (no marker), so a regression fails fast.
  await page.waitForFunction(() => {
    const w = window as MarkedWindow;
    return w.e2eControllerChanges === 1 || w.e2eMarker === undefined;
  });
  // A reload would have been started from the same controllerchange; let its task run first.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  expect(
    await page.evaluate(() => [(window as MarkedWindow).e2eMarker, (window as MarkedWindow).e2eUnloading]),
  ).toEqual(['same document', undefined]);
  expect(navigations).toEqual([]);
  expect(await isolationLog(page)).toEqual([true, true]);
});
