import type { BenchReply, BenchRequest } from './protocol';

/** Runs one request in a fresh module worker and resolves with its reply. */
function run(request: BenchRequest): Promise<BenchReply> {
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<BenchReply>((resolve) => {
    worker.onmessage = (e: MessageEvent<BenchReply>) => resolve(e.data);
    worker.onerror = (e) => resolve({ type: 'error', name: 'WorkerError', message: e.message });
    worker.postMessage(request);
  }).finally(() => worker.terminate());
}

declare global {
  interface Window {
    omvBench: { run: typeof run };
  }
}
window.omvBench = { run };
