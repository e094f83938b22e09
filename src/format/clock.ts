/**
 * Time for `read({pause: true})` and for the elapsed values `write()` stores. Injected, so the pacing
 * logic is tested without waiting on a wall clock.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock (fractions allowed). */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** `performance.now()` and `setTimeout`: present in Node, pages and workers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => void setTimeout(resolve, ms)),
};

/** A clock that only moves when told to: `sleep()` advances it at once. For tests and offline tools. */
export class ManualClock implements Clock {
  private t: number;
  /** Every sleep asked for, in order (tests read the pacing decisions from here). */
  readonly sleeps: number[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}
