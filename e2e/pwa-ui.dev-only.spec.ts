import { expect, test, type Page } from '@playwright/test';
import { knownIntervals } from './fixtures/streams';

// Component tests for omv-install-button and omv-toasts, run on the dev server, where any module can
// be imported into the page. They drive the same PwaController instance main.ts started.

/** The bits of src/app/pwa.ts this spec touches (the e2e project cannot import DOM-side modules). */
interface PwaLike extends EventTarget {
  setReloadGuard(fn: (() => string | null) | null): void;
  notifyOfflineReady(): void;
  notifyUpdateAvailable(activate: () => Promise<void>): void;
}
interface PwaModule {
  startPwa(): PwaLike;
}
type E2eWindow = Window & { pwa?: PwaLike; e2e: Record<string, unknown> };

async function mount(page: Page, markup: string): Promise<void> {
  await page.goto('/');
  await page.evaluate(async (html) => {
    const load = (url: string) => import(/* @vite-ignore */ url) as Promise<unknown>;
    await load('/components/omv-install-button.ts');
    await load('/components/omv-toasts.ts');
    const { startPwa } = (await load('/src/app/pwa.ts')) as PwaModule;
    const w = window as unknown as E2eWindow;
    w.pwa = startPwa();
    w.e2e = {};
    const host = document.createElement('div');
    host.id = 'e2e-host';
    host.innerHTML = html;
    document.body.append(host);
    for (const el of host.querySelectorAll<HTMLElement & { pwa?: PwaLike }>(
      'omv-install-button, omv-toasts',
    )) {
      el.pwa = w.pwa;
    }
  }, markup);
}

test('the Install button appears only when the browser offers installation, and prompts once', async ({
  page,
}) => {
  await mount(page, '<omv-install-button></omv-install-button>');
  const button = page.locator('#e2e-host').getByRole('button', { name: 'Install' });
  await expect(page.locator('#e2e-host omv-install-button')).toBeAttached();
  await expect(button).toHaveCount(0);

  await page.evaluate(() => {
    const w = window as unknown as E2eWindow;
    w.e2e.prompted = 0;
    document.addEventListener('omv-install', (e) => {
      w.e2e.outcome = (e as CustomEvent<{ outcome: string }>).detail.outcome;
    });
    const offer = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
      platforms: ['web'],
      userChoice: Promise.resolve({ outcome: 'accepted', platform: 'web' }),
      prompt: async () => {
        (w.e2e.prompted as number)++;
      },
    });
    window.dispatchEvent(offer);
    w.e2e.defaultPrevented = offer.defaultPrevented;
  });
  await expect(button).toBeVisible();
  await button.click();
  await expect(button).toHaveCount(0);
  const e2e = await page.evaluate(() => (window as unknown as E2eWindow).e2e);
  expect(e2e).toEqual({ prompted: 1, outcome: 'accepted', defaultPrevented: true });
});

test('toasts: offline-ready, update with a guarded Reload, dismiss, and app notices', async ({ page }) => {
  await mount(page, '<omv-toasts></omv-toasts>');
  const toasts = page.locator('#e2e-host omv-toasts');
  const status = toasts.getByRole('status');
  const alert = toasts.getByRole('alert');

  await page.evaluate(() => (window as unknown as E2eWindow).pwa?.notifyOfflineReady());
  await expect(status).toContainText('Ready to work offline');

  await page.evaluate(() => {
    const w = window as unknown as E2eWindow;
    w.e2e.activated = 0;
    w.pwa?.setReloadGuard(() => 'a recording is running');
    w.pwa?.notifyUpdateAvailable(async () => {
      (w.e2e.activated as number)++;
    });
  });
  const update = status.locator('.toast', { hasText: 'Update available' });
  await expect(update).toBeVisible();
  await update.getByRole('button', { name: 'Reload' }).click();
  await expect(status).toContainText("Can't reload now: a recording is running.");
  expect(await page.evaluate(() => (window as unknown as E2eWindow).e2e.activated)).toBe(0);

  await page.evaluate(() => (window as unknown as E2eWindow).pwa?.setReloadGuard(null));
  await update.getByRole('button', { name: 'Reload' }).click();
  await expect.poll(() => page.evaluate(() => (window as unknown as E2eWindow).e2e.activated)).toBe(1);

  await update.getByRole('button', { name: 'Dismiss' }).click();
  await expect(update).toHaveCount(0);

  // Notices from the app: errors are announced assertively and stay; actions run.
  await page.evaluate(() => {
    const w = window as unknown as E2eWindow;
    const el = document.querySelector('omv-toasts') as HTMLElement & {
      show(m: string, o?: { kind?: 'info' | 'error'; actionLabel?: string; action?: () => void }): number;
    };
    el.show('The file is damaged', {
      kind: 'error',
      actionLabel: 'Repair',
      action: () => (w.e2e.repair = true),
    });
  });
  await expect(alert).toContainText('The file is damaged');
  await alert.getByRole('button', { name: 'Repair' }).click();
  expect(await page.evaluate(() => (window as unknown as E2eWindow).e2e.repair)).toBe(true);
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await expect(alert.locator('.toast')).toHaveCount(0);
});

test('a recording shared before the app is ready is kept and plays once it is', async ({ page }) => {
  const fixture = knownIntervals();
  await page.goto('/');
  // Park a share as the service worker would (the dev server runs none), then open the app with it.
  await page.evaluate(async (bytes) => {
    const cache = await caches.open('omv-share-inbox');
    await cache.put(
      '/share-inbox/e2e/0',
      new Response(new Uint8Array(bytes), {
        headers: { 'Content-Type': 'application/x-openmv-imageio', 'X-Omv-File-Name': 'early%20bird.bin' },
      }),
    );
  }, Array.from(fixture.bytes));
  await page.goto('/?share-target=1');
  // startPwa() reads the inbox before main.ts listens (it awaits the library first): the file waits for it.
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('omv-app .current')).toContainText('Playing: early bird.bin');
  await expect(page.locator('omv-frame-info [data-field=frame]')).toHaveText(`1 / ${fixture.frames.length}`);
  expect(await page.evaluate(async () => (await (await caches.open('omv-share-inbox')).keys()).length)).toBe(
    0,
  );
});
