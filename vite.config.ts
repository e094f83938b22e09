/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

/**
 * Cross-origin isolation (SharedArrayBuffer, Atomics.wait in workers) needs these two headers on every
 * response. COI_HEADERS=0 drops them, so a second preview can stand in for a header-less static host.
 */
const isolationHeaders: Record<string, string> =
  process.env.COI_HEADERS === '0'
    ? {}
    : { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const reportDir = process.env.OMV_REPORT_DIR;

export default defineConfig({
  server: { port: 5173, strictPort: true, headers: isolationHeaders },
  preview: { port: Number(process.env.PREVIEW_PORT ?? 4173), strictPort: true, headers: isolationHeaders },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    reporters: reportDir ? ['default', 'json'] : ['default'],
    outputFile: reportDir ? { json: `${reportDir}/vitest.json` } : undefined,
  },
});
