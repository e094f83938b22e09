import { expect, test } from '@playwright/test';

test('the page is cross-origin isolated and a module worker shares memory with it', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'omv-recorder' })).toBeVisible();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const check = page.locator('omv-app #self-check');
  await expect(check).toHaveAttribute('data-shared-memory', 'ok');
  await expect(check).toContainText('works');
  expect(errors).toEqual([]);
});
