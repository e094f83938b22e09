import { MESSAGES } from '../format/errors';
import type {
  InspectReply,
  InspectRequest,
  InspectSource,
  InspectSummary,
} from '../workers/inspect.protocol';

export type { InspectSummary } from '../workers/inspect.protocol';

/** A file or blob to read in place, or a library file in OPFS (by its file name there). */
export type InspectTarget = Blob | { opfsName: string };

export interface InspectOptions {
  /** Cancels the inspection: the promise rejects with an AbortError at once. */
  signal?: AbortSignal;
  /** What to call the file in messages; defaults to the File's name or the OPFS name. */
  name?: string;
}

/**
 * The engine refused a stream (or the worker failed). `name` is the engine's error name (`OSError`,
 * `ValueError`, …) and `message` a one-line explanation naming the file; `detail` is the engine's own text.
 */
export class InspectError extends Error {
  readonly code = 'INSPECT_FAILED' as const;
  constructor(
    name: string,
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = name;
  }
}

/** Turns the engine's terse firmware messages into a line a person can act on. */
export function explainInspectError(name: string, message: string, label: string): string {
  const file = `"${label}"`;
  if (name === 'OSError' && message === MESSAGES.unexpectedValue)
    return `${file} is not an OpenMV ImageIO stream (it does not start with "OMV IMG STR")`;
  if (name === 'OSError' && message === MESSAGES.shortRead)
    return `${file} is too short to be an OpenMV ImageIO stream (it ends before the 16-byte "OMV IMG STR" header)`;
  if (name === 'ValueError' && message === MESSAGES.badVersion)
    return `${file} is an ImageIO stream of a version this app cannot read (it reads V1.0, V1.1, V2.0 and V2.1)`;
  if (name === 'NotFoundError') return `${file} is no longer in the library's storage`;
  return `${file} could not be read: ${message}`;
}

interface Job {
  resolve: (s: InspectSummary) => void;
  reject: (e: Error) => void;
  label: string;
}

/**
 * Owns the inspect worker: starts it on the first job, forwards cancellation, rethrows its errors with
 * their names, and terminates it once idle for `idleMs` (an OPFS sync handle, a decoded frame and the
 * engine are not worth keeping around between imports).
 */
export class InspectClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly jobs = new Map<number, Job>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly idleMs = 5_000,
    private readonly createWorker: () => Worker = () =>
      new Worker(new URL('../workers/inspect.worker.ts', import.meta.url), { type: 'module' }),
  ) {}

  /** Opens the stream with the engine in a worker and summarises it. */
  inspect(target: InspectTarget, opts: InspectOptions = {}): Promise<InspectSummary> {
    const { signal } = opts;
    const label =
      opts.name ??
      (target instanceof Blob ? (target instanceof File ? target.name : 'file') : target.opfsName);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const source: InspectSource =
      target instanceof Blob ? { kind: 'blob', blob: target } : { kind: 'opfs', fileName: target.opfsName };
    const id = this.nextId++;
    return new Promise<InspectSummary>((resolve, reject) => {
      const onAbort = () => {
        if (!this.jobs.delete(id)) return;
        // The worker is inside a synchronous scan: when nothing else is waiting, stopping it is the only way
        // to stop the work (and it releases an OPFS handle at once).
        if (this.jobs.size === 0) this.stop();
        else this.post({ type: 'cancel', id });
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        this.jobs.delete(id);
        this.scheduleIdle();
      };
      this.jobs.set(id, {
        label,
        resolve: (s) => (done(), resolve(s)),
        reject: (e) => (done(), reject(e)),
      });
      this.post({ type: 'inspect', id, source });
    });
  }

  /** Terminates the worker now; pending jobs reject. */
  dispose(): void {
    this.failAll(new Error('The inspect worker was stopped'));
    this.stop();
  }

  private post(msg: InspectRequest): void {
    clearTimeout(this.idleTimer);
    this.start().postMessage(msg);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = this.createWorker();
    worker.onmessage = (e: MessageEvent<InspectReply>) => this.onReply(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.failAll(new Error(`The inspect worker failed: ${e.message || 'it could not start'}`));
      this.stop();
    };
    worker.onmessageerror = () =>
      this.failAll(new Error('The inspect worker sent a message that could not be read'));
    this.worker = worker;
    return worker;
  }

  private onReply(reply: InspectReply): void {
    const job = this.jobs.get(reply.id);
    if (!job) return; // cancelled meanwhile
    if (reply.type === 'result') job.resolve(reply.summary);
    else
      job.reject(
        new InspectError(
          reply.name,
          explainInspectError(reply.name, reply.message, job.label),
          reply.message,
        ),
      );
  }

  private failAll(err: Error): void {
    for (const job of [...this.jobs.values()]) job.reject(err);
  }

  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.jobs.size === 0 && this.worker) this.idleTimer = setTimeout(() => this.stop(), this.idleMs);
  }

  private stop(): void {
    clearTimeout(this.idleTimer);
    this.worker?.terminate();
    this.worker = null;
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error || signal.reason instanceof DOMException
    ? (signal.reason as Error)
    : new DOMException('The inspection was cancelled', 'AbortError');
}

/** The app's one inspect client (the worker starts on first use). */
export const inspectClient = new InspectClient();

/** Inspects with the app's client: the function the recordings repository uses by default. */
export function inspectRecording(target: InspectTarget, opts?: InspectOptions): Promise<InspectSummary> {
  return inspectClient.inspect(target, opts);
}
