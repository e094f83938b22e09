import { expect, type Page } from '@playwright/test';

/**
 * Waits until a service worker is activated and controls `page`. Polls from the test side, so the
 * one-time isolation reload on a header-less host (which destroys the page's context) is only a retry.
 */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page
          .evaluate(async () => {
            const reg = await navigator.serviceWorker.getRegistration();
            return navigator.serviceWorker.controller !== null && reg?.active?.state === 'activated';
          })
          .catch(() => false),
      { message: 'a service worker controls the page', timeout: 20_000 },
    )
    .toBe(true);
}

/** Logs `crossOriginIsolated` of every load into sessionStorage (it survives reloads in the tab). */
export async function logIsolationPerLoad(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const log = JSON.parse(sessionStorage.getItem('e2e-coi-log') ?? '[]') as boolean[];
    log.push(crossOriginIsolated);
    sessionStorage.setItem('e2e-coi-log', JSON.stringify(log));
  });
}

export async function isolationLog(page: Page): Promise<boolean[]> {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('e2e-coi-log') ?? '[]') as boolean[]);
}

/** Fetches a URL from the page; resolves to 'failed' when the fetch rejects (offline, CSP). */
export async function fetchFromPage(page: Page, url: string): Promise<string> {
  return page.evaluate(async (u) => {
    try {
      const r = await fetch(u, { cache: 'no-store' });
      return `status ${r.status}`;
    } catch {
      return 'failed';
    }
  }, url);
}

/**
 * Waits for the app's self-check to finish and returns its shared-memory verdict with the visible text,
 * so a failure says why (`expect(r.state, r.text).toBe('ok')`).
 */
export async function selfCheck(page: Page): Promise<{ state: string | null; text: string }> {
  const check = page.locator('omv-app #self-check');
  await expect(check).toHaveAttribute('data-shared-memory', /^(ok|failed|unavailable)$/);
  return {
    state: await check.getAttribute('data-shared-memory'),
    text: ((await check.textContent()) ?? '').replace(/\s+/g, ' ').trim(),
  };
}
