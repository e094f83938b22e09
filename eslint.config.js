// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Globals a pure module (runs unchanged in Node, a page and a worker) must never reach for. */
const browserOnlyGlobals = [
  'window',
  'document',
  'navigator',
  'indexedDB',
  'localStorage',
  'sessionStorage',
  'location',
  'self',
  'caches',
  'fetch',
  'Buffer',
  'process',
  'require',
].map((name) => ({
  name,
  message: 'Pure modules run in Node, pages and workers alike: take it as a parameter.',
}));

export default tseslint.config(
  {
    ignores: ['node_modules', 'dist', 'dist-*', 'test-results', 'playwright-report', '.reports', 'bench/out'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'navigator', property: 'serial', message: 'Only src/device/transport touches Web Serial.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'indexedDB', message: 'Only src/storage touches IndexedDB.' },
      ],
    },
  },
  {
    files: [
      'src/format/**/*.ts',
      'src/device/protocol/**/*.ts',
      'src/device/emulator/**/*.ts',
      'src/ring/**/*.ts',
      'src/player/**/*.ts',
    ],
    // Tests and the test-only helpers under src/format/test (Node side) may use Node.
    ignores: ['**/*.test.ts', 'src/format/test/**'],
    rules: {
      'no-restricted-globals': ['error', ...browserOnlyGlobals],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'os'], message: 'Pure modules do not import Node built-ins.' },
            {
              group: ['lit', 'lit/*', 'idb', '**/storage/**', '**/components/**', '**/app/**'],
              message: 'Pure modules do not import the DOM side.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/device/transport/**/*.ts', 'e2e/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['src/storage/**/*.ts', 'e2e/**/*.ts'],
    rules: { 'no-restricted-globals': 'off' },
  },
);
