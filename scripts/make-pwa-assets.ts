/**
 * Regenerates the manifest's PNG assets in public/, with headless Chromium:
 *
 *   npx tsx scripts/make-pwa-assets.ts icons         # icons/icon-{192,512}.png, icons/icon-maskable-512.png
 *   npm run build && npx tsx scripts/make-pwa-assets.ts screenshots   # screenshots/{wide,narrow}.png
 *
 * Without an argument it does both (the screenshots need a fresh `npm run build`). Icons come from
 * public/icon.svg; screenshots from the built app served by `vite preview` on a spare port.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { preview } from 'vite';
import { findChromium, NO_CHROMIUM_FIX } from './chromium-path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const publicDir = join(root, 'public');
const BACKGROUND = '#1d2430';

/** Screenshot sizes must match vite.config.ts's manifest `screenshots`. */
const SCREENSHOTS = [
  { file: 'wide.png', width: 1280, height: 800 },
  { file: 'narrow.png', width: 540, height: 960 },
] as const;

/**
 * The maskable variant: a full-bleed background, and the artwork scaled to 80 % around the centre, so
 * everything stays inside the safe zone (a centred circle of radius 40 % of the size) whatever mask the
 * platform applies.
 */
function maskableSvg(svg: string): string {
  const inner = svg.replace(/^<svg[^>]*>/, '').replace(/<\/svg>\s*$/, '');
  // Drop the rounded background square of the regular icon; the mask gives the shape.
  const art = inner.replace(/^<rect width="512" height="512"[^>]*\/>/, '');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">` +
    `<rect width="512" height="512" fill="${BACKGROUND}"/>` +
    `<g transform="translate(256 256) scale(0.8) translate(-256 -256)">${art}</g></svg>`
  );
}

async function renderSvg(browser: Browser, svg: string, size: number): Promise<Buffer> {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  try {
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(
      `<style>html,body{margin:0;background:transparent}</style><img src="${src}" width="${size}" height="${size}">`,
    );
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
    return await page.screenshot({ omitBackground: true, type: 'png' });
  } finally {
    await page.close();
  }
}

async function makeIcons(browser: Browser): Promise<void> {
  const svg = (await readFile(join(publicDir, 'icon.svg'), 'utf8')).trim();
  const dir = join(publicDir, 'icons');
  await mkdir(dir, { recursive: true });
  for (const size of [192, 512]) {
    await writeFile(join(dir, `icon-${size}.png`), await renderSvg(browser, svg, size));
  }
  await writeFile(join(dir, 'icon-maskable-512.png'), await renderSvg(browser, maskableSvg(svg), 512));
  console.log('icons written to public/icons/');
}

async function makeScreenshots(browser: Browser): Promise<void> {
  const server = await preview({ root, logLevel: 'warn', preview: { port: 4190, strictPort: false } });
  const base = server.resolvedUrls?.local[0];
  try {
    if (!base) throw new Error('vite preview did not report a URL');
    const dir = join(publicDir, 'screenshots');
    await mkdir(dir, { recursive: true });
    for (const shot of SCREENSHOTS) {
      const context = await browser.newContext({
        viewport: { width: shot.width, height: shot.height },
        deviceScaleFactor: 1,
        colorScheme: 'dark',
        // Keep the service worker out: no precache traffic, no toasts.
        serviceWorkers: 'block',
      });
      const page = await context.newPage();
      await page.goto(base);
      await page.locator('omv-app #self-check').waitFor({ state: 'attached' });
      if (existsSync(join(root, 'dist', 'sample.bin'))) {
        // Show a recording rather than an empty stage.
        await page.getByRole('button', { name: 'Try a sample' }).click();
        await page.getByText('Open a recording (.bin) or try the sample.').waitFor({ state: 'hidden' });
        await page.waitForTimeout(1500);
      }
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(dir, shot.file), type: 'png' });
      await context.close();
    }
    console.log('screenshots written to public/screenshots/');
  } finally {
    await server.close();
  }
}

const what = process.argv[2] ?? 'all';
if (!['icons', 'screenshots', 'all'].includes(what)) {
  console.error('usage: tsx scripts/make-pwa-assets.ts [icons|screenshots|all]');
  process.exit(2);
}
const executablePath = await findChromium();
if (!executablePath) {
  console.error(NO_CHROMIUM_FIX);
  process.exit(1);
}
const browser = await chromium.launch({ executablePath, headless: true });
try {
  if (what !== 'screenshots') await makeIcons(browser);
  if (what !== 'icons') await makeScreenshots(browser);
} finally {
  await browser.close();
}
