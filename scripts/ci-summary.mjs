// Prints the closing line CI reads: "N passed, N failed[, N skipped]", summing Vitest's and
// Playwright's JSON reports. A failing step that ran no test runner (typecheck, lint, build) counts as
// one failure, so a red run never closes with "0 failed".
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir = '.reports', statusArg = '0'] = process.argv.slice(2);
const read = (name) => {
  const path = join(dir, name);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
};

let passed = 0;
let failed = 0;
let skipped = 0;
const unit = read('vitest.json');
if (unit) {
  passed += unit.numPassedTests ?? 0;
  failed += unit.numFailedTests ?? 0;
  skipped += (unit.numPendingTests ?? 0) + (unit.numTodoTests ?? 0);
}
const e2e = read('playwright.json');
if (e2e?.stats) {
  passed += (e2e.stats.expected ?? 0) + (e2e.stats.flaky ?? 0);
  failed += e2e.stats.unexpected ?? 0;
  skipped += e2e.stats.skipped ?? 0;
  for (const err of e2e.errors ?? []) if (err) failed += 1;
}
if (Number(statusArg) !== 0 && failed === 0) failed = 1;
console.log(`unit: ${unit ? 'ran' : 'no report'}, browser: ${e2e ? 'ran' : 'no report'}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
