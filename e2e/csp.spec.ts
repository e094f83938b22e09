import { expect, test, type Page } from '@playwright/test';

interface Violation {
  directive: string;
  blocked: string;
}

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    const list: { directive: string; blocked: string }[] = [];
    (window as Window & { __cspViolations?: typeof list }).__cspViolations = list;
    document.addEventListener('securitypolicyviolation', (e) =>
      list.push({ directive: e.effectiveDirective, blocked: e.blockedURI }),
    );
  });
});

const violations = (page: Page) =>
  page.evaluate(() => (window as Window & { __cspViolations?: Violation[] }).__cspViolations ?? []);

test('the built page carries a CSP and runs under it without a violation', async ({ page }) => {
  const cspMessages: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspMessages.push(m.text());
  });
  await page.goto('/');
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toContain("connect-src 'self'");
  expect(policy).toContain("script-src 'self'");
  expect(policy).not.toContain('unsafe-eval');
  // No inline script anywhere: every script comes from a file.
  expect(await page.locator('script:not([src])').count()).toBe(0);
  // The app, its module worker (shared-memory self-check) and the service worker all start.
  await expect(page.locator('omv-app #self-check')).toHaveAttribute('data-shared-memory', 'ok');
  await page.evaluate(() => navigator.serviceWorker.ready);
  expect(await violations(page)).toEqual([]);
  expect(cspMessages).toEqual([]);
});

test('the page can reach no other origin and cannot eval', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('omv-app #self-check')).toHaveAttribute('data-shared-memory', /./);
  const outcome = await page.evaluate(async () => {
    try {
      await fetch('https://example.com/', { mode: 'no-cors' });
      return 'reached';
    } catch (e) {
      return e instanceof TypeError ? 'blocked' : String(e);
    }
  });
  expect(outcome).toBe('blocked');
  await expect
    .poll(() => violations(page))
    .toContainEqual({ directive: 'connect-src', blocked: 'https://example.com/' });

  // Run in a task of the page's own: code evaluated through DevTools (page.evaluate) may eval freely.
  const codegen = await page.evaluate(
    () =>
      new Promise<string[]>((resolve) =>
        setTimeout(() => {
          const attempt = (f: () => unknown) => {
            try {
              return String(f());
            } catch (e) {
              return e instanceof Error ? e.name : String(e);
            }
          };
          resolve([attempt(() => eval('1')), attempt(() => new Function('return 2')())]);
        }),
      ),
  );
  expect(codegen).toEqual(['EvalError', 'EvalError']);
});
