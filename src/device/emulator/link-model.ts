/**
 * Link models for the emulated camera: USB speed (full speed ≈1 MB/s, high speed ≈10 MB/s; protocol.md §4) and
 * fault injection (flipped bits, dropped bytes, stalls, unplug). Built on `linkPair` from the protocol layer.
 *
 * Pacing is done here rather than with `linkPair({bytesPerSecond})`: linkPair sleeps once per chunk, and with real
 * timers (≥ 1 ms granularity) a 10 MB/s link moving 4 KiB packets would be held to a fraction of its rate. This
 * wrapper keeps a running "link busy until" time and sleeps only when the backlog reaches a millisecond, so the
 * average rate equals the model's whatever the timer resolution.
 */
import { linkPair, type ByteLink } from '../protocol/link';
import type { Clock } from '../../format/clock';
import { systemClock } from '../../format/clock';

/** How far behind schedule the pacer may fall before it stops catching up (a token bucket of this depth). */
const BURST_MS = 4;

export type LinkSpeed = 'full-speed' | 'high-speed' | 'unlimited';

/** Bytes per second per direction for each model (protocol.md §4: FS ≈0.8–1.0 MB/s practical; HS ≥ 10 MB/s). */
export const LINK_BYTES_PER_SECOND: Readonly<Record<LinkSpeed, number>> = {
  'full-speed': 1_000_000,
  'high-speed': 10_000_000,
  unlimited: Infinity,
};

export interface FaultOptions {
  /** Probability per byte that one bit is flipped. */
  bitFlipRate?: number;
  /** Probability per byte that it is dropped. */
  dropRate?: number;
  /** Which direction the byte faults hit (default both). */
  direction?: 'both' | 'to-host' | 'to-board';
  /** Periodic stalls: the link delivers nothing for `forMs` every `everyMs`. */
  stall?: { everyMs: number; forMs: number };
  /** PRNG seed for reproducible faults. */
  seed?: number;
}

export interface LinkModelOptions {
  speed?: LinkSpeed;
  faults?: FaultOptions;
  clock?: Clock;
  /** Delivery granularity in bytes (USB packet / read size). Default 512 for FS, 4096 for HS, whole writes otherwise. */
  chunkBytes?: number;
}

export interface LinkModel {
  host: ByteLink;
  board: ByteLink;
  bytesPerSecond: number;
  /** The live fault settings (mutable: change rates while the link runs). */
  readonly faults: FaultOptions;
  /** Counters of injected faults. */
  readonly injected: { flipped: number; dropped: number; stalls: number };
  /** Holds all traffic for `ms`. */
  stall(ms: number): void;
  /** The cable is pulled: both ends close with an error, sends reject. */
  unplug(): void;
}

/** Seeded byte fault hook for `linkPair({ faults })`. */
export function byteFaults(
  o: FaultOptions,
  counters: { flipped: number; dropped: number },
): (b: Uint8Array, dir: 'a->b' | 'b->a') => Uint8Array {
  let s = (o.seed ?? 0x9e3779b9) >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  const dirOk = (dir: 'a->b' | 'b->a'): boolean =>
    // a = host end, b = board end
    o.direction === undefined || o.direction === 'both' || (o.direction === 'to-host') === (dir === 'b->a');
  return (b, dir) => {
    // Rates are read on every write, so a test can turn faults on and off while the link runs.
    const flip = o.bitFlipRate ?? 0;
    const drop = o.dropRate ?? 0;
    if ((!flip && !drop) || !dirOk(dir)) return b;
    const out = new Uint8Array(b.length);
    let n = 0;
    for (const x of b) {
      if (drop && rnd() < drop) {
        counters.dropped++;
        continue;
      }
      let v = x;
      if (flip && rnd() < flip) {
        v ^= 1 << Math.floor(rnd() * 8);
        counters.flipped++;
      }
      out[n++] = v;
    }
    return out.subarray(0, n);
  };
}

class ModelEnd implements ByteLink {
  private due = 0;
  private tail: Promise<void> = Promise.resolve();
  private closedCb: ((e?: Error) => void) | null = null;
  unplugged = false;
  constructor(
    private readonly inner: ByteLink,
    private readonly bps: number,
    private readonly clock: Clock,
    private readonly gate: () => Promise<void>,
  ) {}

  send(bytes: Uint8Array): Promise<void> {
    if (this.unplugged) return Promise.reject(new Error('device unplugged'));
    const run = async (): Promise<void> => {
      await this.gate();
      if (Number.isFinite(this.bps)) {
        const now = this.clock.now();
        // Timers overshoot; a little credit (BURST_MS) lets the next writes catch up so the average rate holds.
        this.due = Math.max(this.due, now - BURST_MS) + (bytes.length / this.bps) * 1000;
        const wait = this.due - now;
        if (wait >= 1) await this.clock.sleep(wait);
      }
      if (this.unplugged) throw new Error('device unplugged');
      await this.inner.send(bytes);
    };
    const done = this.tail.then(run);
    this.tail = done.catch(() => undefined);
    return done;
  }

  listen(onBytes: (bytes: Uint8Array) => void, closed: (error?: Error) => void): void {
    this.closedCb = closed;
    this.inner.listen(
      (b) => {
        if (!this.unplugged) onBytes(b);
      },
      (e) => {
        if (!this.unplugged) closed(e);
      },
    );
  }

  unplug(err: Error): void {
    if (this.unplugged) return;
    this.unplugged = true;
    this.closedCb?.(err);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A host/board link pair with a speed model and faults. */
export function createLinkModel(o: LinkModelOptions = {}): LinkModel {
  const speed = o.speed ?? 'unlimited';
  const bps = LINK_BYTES_PER_SECOND[speed];
  const clock = o.clock ?? systemClock;
  const injected = { flipped: 0, dropped: 0, stalls: 0 };
  const faults: FaultOptions = o.faults ?? {};
  const chunkBytes =
    o.chunkBytes ?? (speed === 'full-speed' ? 512 : speed === 'high-speed' ? 4096 : undefined);
  const [a, b] = linkPair({
    chunkBytes,
    faults: byteFaults(faults, injected),
  });
  let stallUntil = 0;
  const stallCfg = faults.stall;
  const t0 = clock.now();
  const gate = async (): Promise<void> => {
    const now = clock.now();
    if (stallCfg && stallCfg.everyMs > 0) {
      const phase = (now - t0) % (stallCfg.everyMs + stallCfg.forMs);
      if (phase >= stallCfg.everyMs) {
        injected.stalls++;
        await clock.sleep(stallCfg.everyMs + stallCfg.forMs - phase);
      }
    }
    if (stallUntil > clock.now()) await clock.sleep(stallUntil - clock.now());
  };
  const host = new ModelEnd(a, bps, clock, gate);
  const board = new ModelEnd(b, bps, clock, gate);
  return {
    host,
    board,
    bytesPerSecond: bps,
    faults,
    injected,
    stall(ms) {
      injected.stalls++;
      stallUntil = Math.max(stallUntil, clock.now() + ms);
    },
    unplug() {
      const e = new Error('device unplugged');
      host.unplug(e);
      board.unplug(e);
      void a.close().catch(() => undefined);
    },
  };
}
