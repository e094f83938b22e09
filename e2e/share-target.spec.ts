import { expect, test, type Page } from '@playwright/test';
import { waitForServiceWorker } from './pwa-helpers';

interface Delivered {
  source: string;
  files: { name: string; type: string; bytes: number[] }[];
}

/** Records every `omv-files-launched` delivery (with the files' bytes) into sessionStorage. */
async function recordLaunches(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.addEventListener('omv-files-launched', (event) => {
      const { source, files } = (event as CustomEvent<{ source: string; files: File[] }>).detail;
      void Promise.all(
        files.map(async (f) => ({
          name: f.name,
          type: f.type,
          bytes: [...new Uint8Array(await f.arrayBuffer())],
        })),
      ).then((list) => {
        const all = JSON.parse(sessionStorage.getItem('e2e-launched') ?? '[]') as unknown[];
        all.push({ source, files: list });
        sessionStorage.setItem('e2e-launched', JSON.stringify(all));
      });
    });
  });
}

const launched = (page: Page) =>
  page.evaluate(() => JSON.parse(sessionStorage.getItem('e2e-launched') ?? '[]') as Delivered[]);

const inboxSize = (page: Page) =>
  page.evaluate(async () => (await (await caches.open('omv-share-inbox')).keys()).length);

test('a file posted to the share target reaches the app with its name and bytes', async ({ page }) => {
  await recordLaunches(page);
  await page.goto('/');
  await waitForServiceWorker(page);
  const posted = await page.evaluate(async () => {
    const form = new FormData();
    const bytes = new Uint8Array([0x4f, 0x4d, 0x56, 0x00, 0xff, 0x10]);
    form.append('recordings', new File([bytes], 'garden walk.bin', { type: 'application/x-openmv-imageio' }));
    const r = await fetch('/share-target', { method: 'POST', body: form });
    return {
      redirected: r.redirected,
      path: new URL(r.url).pathname + new URL(r.url).search,
      status: r.status,
    };
  });
  expect(posted).toEqual({ redirected: true, path: '/?share-target=1', status: 200 });
  expect(await inboxSize(page)).toBe(1);

  await page.goto('/?share-target=1');
  await expect.poll(() => launched(page)).toHaveLength(1);
  expect(await launched(page)).toEqual([
    {
      source: 'share-target',
      files: [
        {
          name: 'garden walk.bin',
          type: 'application/x-openmv-imageio',
          bytes: [0x4f, 0x4d, 0x56, 0, 0xff, 0x10],
        },
      ],
    },
  ]);
  // The inbox is emptied and the flag leaves the address bar, so a reload does not open them again.
  expect(await inboxSize(page)).toBe(0);
  await expect(page).toHaveURL(/\/$/);
});

test('a share arriving as a form navigation (as the OS sends it) opens every file in order', async ({
  page,
}) => {
  await recordLaunches(page);
  await page.goto('/');
  await waitForServiceWorker(page);
  // Build the form the browser would submit for a share_target with two files.
  await page.evaluate(() => {
    const form = document.createElement('form');
    form.method = 'POST';
    form.enctype = 'multipart/form-data';
    form.action = '/share-target';
    const input = document.createElement('input');
    input.type = 'file';
    input.name = 'recordings';
    input.multiple = true;
    form.append(input);
    document.body.append(form);
  });
  await page.locator('form input[type=file]').setInputFiles([
    { name: 'ünïcode café.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([1, 2, 3]) },
    { name: 'second.bin', mimeType: 'application/x-openmv-imageio', buffer: Buffer.from([9]) },
  ]);
  await Promise.all([
    page.waitForURL(/\/\?share-target=1$/),
    page.evaluate(() => document.querySelector('form')?.submit()),
  ]);
  await expect.poll(() => launched(page)).toHaveLength(1);
  const [delivery] = await launched(page);
  expect(delivery?.files.map((f) => [f.name, f.bytes])).toEqual([
    ['ünïcode café.bin', [1, 2, 3]],
    ['second.bin', [9]],
  ]);
});
