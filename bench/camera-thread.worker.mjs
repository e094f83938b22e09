// Worker entry of the camera bench's CPU split: registers tsx in this thread (Node cannot load TypeScript by itself)
// and runs the emulator half of bench/camera-thread.ts on the parent port.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runEmulator } = await import('./camera-thread.ts');
runEmulator(workerData, parentPort);
