import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Suite } from './harness';

/**
 * `npm run bench [name...]`: runs every bench/*.bench.ts suite (or the named ones). Each figure is
 * printed next to a baseline measured in the same run.
 */
const only = process.argv.slice(2);
const files = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
console.log(
  `omv-recorder bench on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}`,
);
for (const file of files) {
  const { suite } = (await import(`./${file}`)) as { suite: Suite };
  if (only.length && !only.includes(suite.name)) continue;
  console.log(`\n## ${suite.name}`);
  await suite.run();
}
