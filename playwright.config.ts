import { defineConfig } from '@playwright/test';
import { findChromium } from './scripts/chromium-path';

const executablePath = (await findChromium()) ?? undefined;
const reportDir = process.env.OMV_REPORT_DIR;
const reuse = !process.env.CI;

/**
 * Browser tests run against the production build (`vite preview`, with COOP/COEP), the dev server, and
 * a header-less preview that stands in for a plain static host. The build runs before `playwright test`;
 * these servers only serve.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts$/,
  workers: 2,
  retries: 0,
  reporter: reportDir ? [['list'], ['json', { outputFile: `${reportDir}/playwright.json` }]] : [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath, args: ['--disable-quic'] },
  },
  webServer: [
    {
      command: 'npx vite preview --host localhost',
      url: 'http://localhost:4173/',
      reuseExistingServer: reuse,
      timeout: 60_000,
    },
    {
      command: 'npx vite --host localhost',
      url: 'http://localhost:5173/',
      reuseExistingServer: reuse,
      timeout: 60_000,
    },
    {
      // A plain static host: no COOP/COEP, so isolation has to come from the service worker.
      command: 'npx vite preview --host localhost',
      url: 'http://localhost:4174/',
      env: { COI_HEADERS: '0', PREVIEW_PORT: '4174' },
      reuseExistingServer: reuse,
      timeout: 60_000,
    },
  ],
  projects: [
    {
      name: 'preview',
      use: { baseURL: 'http://localhost:4173/' },
      testMatch: /^(?!.*\/[^/]*(dev-only|headerless)[^/]*$).*\.spec\.ts$/,
    },
    {
      name: 'dev',
      use: { baseURL: 'http://localhost:5173/' },
      testMatch: /(^|\/)(isolation\.spec|[^/]*\.dev-only\.spec)\.ts$/,
    },
    {
      name: 'headerless',
      use: { baseURL: 'http://localhost:4174/' },
      // The isolation journey, the player's pixel and pacing checks, and the recorder without shared memory
      // (service worker blocked, so the page stays un-isolated) on a plain static host.
      testMatch: /(^|\/)(headerless|player|[^/]*\.headerless)\.spec\.ts$/,
    },
  ],
});
