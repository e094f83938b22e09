/**
 * The bench harness: every figure is printed next to a baseline measured in the same run on the same
 * machine, as a ratio, so the numbers mean something on a loaded 2-core box. No test asserts a time.
 */

export interface Timing {
  /** Median milliseconds per run. */
  medianMs: number;
  runs: number;
}

/** Runs `fn` at least `minRuns` times and for at least `minMs`, after one warm-up; reports the median. */
export async function time(
  fn: () => unknown,
  opts: { minRuns?: number; minMs?: number } = {},
): Promise<Timing> {
  const minRuns = opts.minRuns ?? 5;
  const minMs = opts.minMs ?? 300;
  await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
    if (samples.length >= 1000) break;
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)] ?? 0, runs: samples.length };
}

export interface Row {
  name: string;
  value: Timing;
  baselineName: string;
  baseline: Timing;
  /** Upper bound for value/baseline that the issue sets, if any (printed as met / NOT met). */
  targetRatio?: number;
  /** Extra text, e.g. an absolute figure such as "frames/s". */
  note?: string;
}

const fmt = (ms: number): string =>
  (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(4)) + ' ms';

/** Prints one row: figure, baseline, ratio, target verdict. */
export function report(row: Row): void {
  const ratio = row.value.medianMs / row.baseline.medianMs;
  const verdict =
    row.targetRatio === undefined
      ? ''
      : ratio <= row.targetRatio
        ? `  target <= ${row.targetRatio}: met`
        : `  target <= ${row.targetRatio}: NOT met`;
  console.log(
    `${row.name}: ${fmt(row.value.medianMs)} (n=${row.value.runs})  vs  ${row.baselineName}: ${fmt(row.baseline.medianMs)} (n=${row.baseline.runs})  ratio ${ratio.toFixed(3)}${verdict}${row.note ? `  [${row.note}]` : ''}`,
  );
}

/** A bench module: `npm run bench` runs each suite's `run()` in turn. */
export interface Suite {
  name: string;
  run(): Promise<void>;
}
