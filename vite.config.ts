/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * Cross-origin isolation (SharedArrayBuffer, Atomics.wait in workers) needs these two headers on every
 * response. COI_HEADERS=0 drops them, so a second preview can stand in for a header-less static host.
 */
const isolationHeaders: Record<string, string> =
  process.env.COI_HEADERS === '0'
    ? {}
    : { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const reportDir = process.env.OMV_REPORT_DIR;

/**
 * The page may reach no origin but its own: a recording leaves the machine only when the user shares
 * or downloads it. `frame-ancestors` is ignored in a <meta> CSP, so it is not listed. `media-src blob:`
 * lets an exported clip play back from an object URL; it reaches no other origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * Puts the CSP into the built index.html only: the dev server's HMR client needs inline scripts and a
 * WebSocket, which the policy would block. The meta goes right after <meta charset>, ahead of every
 * resource it governs.
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'omv-content-security-policy',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        const meta = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`;
        const charset = /<meta charset="[^"]*"\s*\/?>/i;
        if (!charset.test(html)) throw new Error('index.html needs a <meta charset> to place the CSP after');
        return html.replace(charset, (m) => `${m}\n    ${meta}`);
      },
    },
  };
}

export default defineConfig({
  server: { port: 5173, strictPort: true, headers: isolationHeaders },
  preview: { port: Number(process.env.PREVIEW_PORT ?? 4173), strictPort: true, headers: isolationHeaders },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  plugins: [
    contentSecurityPolicy(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      // 'prompt': a new version waits until the user presses "Reload" (src/app/pwa.ts).
      registerType: 'prompt',
      devOptions: { enabled: false },
      // The glob below already takes the icons; listing them twice only duplicates precache entries.
      includeManifestIcons: false,
      injectManifest: {
        // js covers the worker chunks, so workers start offline too; bin is the "Try a sample" recording.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,bin}'],
        // Store-listing images are for the install dialog, not for running offline.
        globIgnores: ['screenshots/**'],
        // The sample recording is about 2 MB; a larger file fails the build instead of silently going uncached.
        maximumFileSizeToCacheInBytes: 6 * 1024 * 1024,
      },
      manifest: {
        id: '/',
        name: 'omv-recorder',
        short_name: 'OMV Recorder',
        description: 'Record, replay and share OpenMV camera image streams in the browser.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: '#1d2430',
        background_color: '#11151c',
        categories: ['developer', 'utilities', 'photo'],
        icons: [
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
        screenshots: [
          {
            src: '/screenshots/wide.png',
            sizes: '1280x800',
            type: 'image/png',
            form_factor: 'wide',
            label: 'omv-recorder on a desktop',
          },
          {
            src: '/screenshots/narrow.png',
            sizes: '540x960',
            type: 'image/png',
            form_factor: 'narrow',
            label: 'omv-recorder on a phone',
          },
        ],
        launch_handler: { client_mode: 'focus-existing' },
        // A custom type, so the app does not offer itself for every .bin file on the machine.
        file_handlers: [{ action: '/', accept: { 'application/x-openmv-imageio': ['.bin'] } }],
        // Handled in src/sw.ts: the files go to the 'omv-share-inbox' cache, then src/app/launch.ts.
        share_target: {
          action: '/share-target',
          method: 'POST',
          enctype: 'multipart/form-data',
          params: {
            files: [
              {
                name: 'recordings',
                accept: ['application/x-openmv-imageio', '.bin', 'application/octet-stream'],
              },
            ],
          },
        },
      },
    }),
  ],
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    reporters: reportDir ? ['default', 'json'] : ['default'],
    outputFile: reportDir ? { json: `${reportDir}/vitest.json` } : undefined,
  },
});
