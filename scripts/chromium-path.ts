import { existsSync } from 'node:fs';

/**
 * Which Chromium the browser tests drive: CHROMIUM_PATH, then Debian's /usr/bin/chromium, then a
 * Playwright-managed browser. Returns null when none exists.
 */
export async function findChromium(): Promise<string | null> {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    const { chromium } = await import('@playwright/test');
    const managed = chromium.executablePath();
    if (managed && existsSync(managed)) return managed;
  } catch {
    // No managed browser recorded: fall through to "none".
  }
  return null;
}

/** The one-line fix printed when no browser is found. */
export const NO_CHROMIUM_FIX =
  'No Chromium found: install it with `sudo apt-get install -y chromium` (or set CHROMIUM_PATH=/path/to/chromium).';
