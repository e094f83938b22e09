/**
 * The page's side of an export: each job runs in its own export worker (src/workers/export.worker.ts),
 * started on demand and terminated when the job ends. An AbortSignal cancels at once: the worker (and its
 * GIF workers) is terminated, its OPFS scratch file removed from here, and the promise rejects with an
 * AbortError; no file is handed out.
 */
import {
  EXPORT_SCRATCH,
  type ExportCommand,
  type ExportEvent,
  type ExportSpec,
} from '../workers/export.protocol';
import type { PlayerSource } from '../workers/player.protocol';

export type { ExportSpec, StillExportFormat } from '../workers/export.protocol';

/** An error raised in the export worker, rethrown on the page with its name and message. */
export class ExportError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface ExportProgress {
  done: number;
  total: number;
}

export interface ExportResult {
  file: File;
  summary: string;
}

export interface GifEstimate {
  bytes: number;
  frames: number;
  width: number;
  height: number;
}

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
}

/** Creates the worker; replaceable for tests. */
export type ExportWorkerFactory = () => Worker;

const defaultWorker: ExportWorkerFactory = () =>
  new Worker(new URL('../workers/export.worker.ts', import.meta.url), { type: 'module' });

const abortError = (): ExportError => new ExportError('AbortError', 'The export was cancelled');

/**
 * Removes a scratch file of a terminated export worker. Its sync access handle is released shortly
 * after termination, so a locked file is retried for a while.
 */
export async function removeScratch(name: string): Promise<void> {
  let dir: FileSystemDirectoryHandle;
  try {
    dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(EXPORT_SCRATCH);
  } catch {
    return;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await dir.removeEntry(name);
      return;
    } catch (e) {
      if (e instanceof DOMException && e.name === 'NotFoundError') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function job<T>(
  command: ExportCommand,
  accept: (e: ExportEvent) => T | undefined,
  options: JobOptions,
  create: ExportWorkerFactory,
): Promise<T> {
  const { signal, onProgress } = options;
  if (signal?.aborted) return Promise.reject(abortError());
  const scratchName = command.type === 'run' ? command.scratchName : null;
  const worker = create();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      worker.terminate();
      fn();
    };
    // Cancel at once: the worker may be inside a long synchronous step (a palette, a large frame), so it
    // is terminated (its GIF workers with it) rather than asked; then its scratch file is removed here.
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      worker.terminate();
      const cleanup = scratchName ? removeScratch(scratchName) : Promise.resolve();
      void cleanup.finally(() => reject(abortError()));
    };
    signal?.addEventListener('abort', onAbort);
    worker.onmessage = (ev: MessageEvent<ExportEvent>) => {
      const e = ev.data;
      if (e.type === 'progress') {
        if (!signal?.aborted) onProgress?.({ done: e.done, total: e.total });
      } else if (e.type === 'cancelled') finish(() => reject(abortError()));
      else if (e.type === 'error') finish(() => reject(new ExportError(e.name, e.message)));
      else if (signal?.aborted) finish(() => reject(abortError()));
      else {
        const value = accept(e);
        if (value !== undefined) finish(() => resolve(value));
      }
    };
    worker.onerror = (ev) =>
      finish(() => reject(new ExportError('WorkerError', ev.message || 'The export worker stopped')));
    worker.postMessage(command);
  });
}

/** Runs one export of the recording `source`; resolves with the finished file named `name`. */
export function runExport(
  source: PlayerSource,
  spec: ExportSpec,
  name: string,
  options: JobOptions = {},
  create: ExportWorkerFactory = defaultWorker,
): Promise<ExportResult> {
  return job(
    { type: 'run', source, spec, name, scratchName: `${Date.now()}-${name.replace(/[^\w.-]+/g, '_')}` },
    (e) => (e.type === 'done' ? { file: e.file, summary: e.summary } : undefined),
    options,
    create,
  );
}

/** The GIF's estimated size, from a few frames encoded with the same options. */
export function estimateGif(
  source: PlayerSource,
  spec: ExportSpec & { kind: 'gif' },
  options: JobOptions = {},
  create: ExportWorkerFactory = defaultWorker,
): Promise<GifEstimate> {
  return job(
    { type: 'estimate', source, spec },
    (e) =>
      e.type === 'estimate'
        ? { bytes: e.bytes, frames: e.frames, width: e.width, height: e.height }
        : undefined,
    options,
    create,
  );
}
