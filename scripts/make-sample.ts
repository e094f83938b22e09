/**
 * Writes the bundled sample recording, `public/sample.bin` (behind "Try a sample"), from
 * scripts/sample-builder.ts: `npm run sample` or `npx tsx scripts/make-sample.ts`. Deterministic: every
 * run writes the same bytes, and src/cli/sample.test.ts fails if the committed file drifts from them.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pixformatName } from '../src/format/index';
import { buildSample, sampleIntervals, sampleSections } from './sample-builder';

const target = fileURLToPath(new URL('../public/sample.bin', import.meta.url));
const bytes = buildSample();
writeFileSync(target, bytes);

const sections = sampleSections();
const elapsed = sampleIntervals(sections);
let k = 0;
for (const section of sections) {
  const first = section.frames[0]!;
  const ms = elapsed.slice(k, k + section.frames.length).reduce((a, b) => a + b, 0);
  const formats = [...new Set(section.frames.map((f) => pixformatName(f.pixformat)))].join('/');
  console.log(
    `${String(section.frames.length).padStart(3)} x ${`${first.width}x${first.height}`.padEnd(7)} ` +
      `${formats.padEnd(32)} ${String(section.fps).padStart(2)} fps ${String(ms).padStart(5)} ms  ${section.title}`,
  );
  k += section.frames.length;
}
const total = elapsed.reduce((a, b) => a + b, 0);
console.log(`${target}: ${k} frames, ${(total / 1000).toFixed(2)} s, ${bytes.length} bytes`);
