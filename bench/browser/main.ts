import { PlayerClient } from '../../src/app/player-client';
import type { PlayerState } from '../../src/workers/player.protocol';
import { time, type Timing } from '../harness';
import { makeFpsStream, type FpsKind } from './fps-streams';
import { gifBench } from './gif-bench';
import { exportBench } from './export-bench';
import { e2e, recorderThroughput } from './recorder-bench';
import type { BenchReply, BenchRequest, FpsResult, RecorderBenchApi } from './protocol';

/** Runs one request in a fresh module worker and resolves with its reply. */
function run(request: BenchRequest): Promise<BenchReply> {
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<BenchReply>((resolve) => {
    worker.onmessage = (e: MessageEvent<BenchReply>) => resolve(e.data);
    worker.onerror = (e) => resolve({ type: 'error', name: 'WorkerError', message: e.message });
    worker.postMessage(request);
  }).finally(() => worker.terminate());
}

function newPlayer(): PlayerClient {
  const canvas = document.createElement('canvas');
  document.body.append(canvas);
  return new PlayerClient(canvas);
}

/**
 * Opening an OPFS file until its first frame is drawn (open resolves after the worker drew it), in a
 * player whose worker is already running, as the app's is when a person opens a file.
 */
async function firstFrame(name: string): Promise<Timing> {
  const player = newPlayer();
  try {
    return await time(() => player.open({ kind: 'opfs', name, displayName: name }), { minRuns: 5 });
  } finally {
    player.dispose();
  }
}

/** Plays a stream with pacing off and reads the worker's own report of shown frames. */
async function fps(kind: FpsKind): Promise<FpsResult> {
  const { bytes, decodeOnlyFps } = await makeFpsStream(kind);
  const player = newPlayer();
  await player.open({ kind: 'bytes', bytes: bytes.buffer as ArrayBuffer, name: `${kind}.bin` });
  player.setPacing(false);
  await player.report(true);
  const done = new Promise<void>((resolve) => {
    player.addEventListener('state', (e) => {
      if (!(e as CustomEvent<PlayerState>).detail.playing) resolve();
    });
  });
  player.play();
  await done;
  const { shown } = await player.report();
  player.dispose();
  const span = (shown.at(-1)?.at ?? 0) - (shown[0]?.at ?? 0);
  return { frames: shown.length, fps: ((shown.length - 1) / span) * 1000, decodeOnlyFps };
}

declare global {
  interface Window {
    omvBench: {
      run: typeof run;
      firstFrame: typeof firstFrame;
      fps: typeof fps;
      gif: typeof gifBench;
      exportClip: typeof exportBench;
      recorderThroughput: RecorderBenchApi['recorderThroughput'];
      recorder: RecorderBenchApi['recorder'];
    };
  }
}
window.omvBench = {
  run,
  firstFrame,
  fps,
  gif: gifBench,
  exportClip: exportBench,
  recorderThroughput,
  recorder: e2e,
};
