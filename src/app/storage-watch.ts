import { formatBytes } from '../storage/units';

/** How often the watch asks the browser while something is being recorded. */
const INTERVAL_MS = 2000;
/** Always keep at least this much free... */
const MIN_RESERVE = 64 * 2 ** 20;
/** ...and at least this many seconds of the current data rate. */
const RESERVE_SECONDS = 10;

/**
 * Watches `navigator.storage.estimate()` while recording and calls `stop` with a one-line reason when
 * the origin comes within the reserve of its quota, so the recorder stops cleanly before the browser
 * refuses a write (a refused write is also handled, by the worker, without corrupting the file).
 */
export class StorageWatch {
  private timer: ReturnType<typeof setInterval> | null = null;
  private last: { bytes: number; at: number } | null = null;
  private checking = false;

  constructor(
    private readonly bytesWritten: () => number,
    private readonly stop: (why: string) => void,
  ) {}

  start(): void {
    if (this.timer !== null || !navigator.storage?.estimate) return;
    this.last = null;
    this.timer = setInterval(() => void this.check(), INTERVAL_MS);
    void this.check();
  }

  halt(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const { usage = 0, quota = 0 } = await navigator.storage.estimate();
      if (quota <= 0) return;
      const now = performance.now();
      const bytes = this.bytesWritten();
      const rate =
        this.last && now > this.last.at
          ? Math.max(0, ((bytes - this.last.bytes) * 1000) / (now - this.last.at))
          : 0;
      this.last = { bytes, at: now };
      const free = quota - usage;
      const reserve = Math.max(MIN_RESERVE, rate * RESERVE_SECONDS);
      if (free < reserve && this.timer !== null) {
        this.halt();
        this.stop(
          `Storage is almost full (${formatBytes(Math.max(0, free))} left of ${formatBytes(quota)}): the recording stopped and every frame written so far is kept. Delete recordings to make room.`,
        );
      }
    } catch {
      // No estimate this time; the worker still handles a refused write.
    } finally {
      this.checking = false;
    }
  }
}
