// A worker_threads entry for threads.test.ts and bench/ring.bench.ts: registers tsx in this thread
// (Node cannot load TypeScript by itself), runs one role of roles.ts, or of the module named by
// workerData.module, and posts {ready} then {result} or {error}.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
try {
  const { runRole } = await import(workerData.module ?? './roles.ts');
  const equal = (a, b) => Buffer.compare(a, b) === 0;
  const result = await runRole(workerData, () => parentPort.postMessage({ ready: true }), equal);
  parentPort.postMessage({ result });
} catch (e) {
  parentPort.postMessage({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}
