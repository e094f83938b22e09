/**
 * Host side of the legacy OpenMV debug protocol ("usbdbg", firmware ≤ 4.8.1; protocol.md §3). Pure: no DOM, no Node.
 *
 * The transport opens the port at 921600 baud with DTR on, runs the §1.3 probe (`legacyProbeWrites`, then
 * `classifyProbeReply` on the 4 bytes read back) and, for 'legacy', calls `openLegacySession(link)`.
 *
 * What the session does: FW_VERSION, ARCH_STR, SENSOR_ID, FB_ENABLE(1) (header and u32 as separate writes), then the
 * IDE polling loop of §3.4 — GET_STATE every 25 ms on firmware ≥ 4.5.6 (text inline, FRAME_DUMP when the frame flag
 * is set), FRAME_SIZE/FRAME_DUMP + TX_BUF_LEN/TX_BUF + SCRIPT_RUNNING on older firmware. The 20 Hz frame limit is the
 * firmware's (GET_STATE reports a frame at most every 50 ms); the host just polls. Every command is sent with exactly
 * the length of the §3.2 table, commands never share a write with data, and transfers whose size is a multiple of 64
 * are avoided (frame dumps get +1 byte, text reads −1 byte, scripts a trailing newline).
 *
 * Recovery: the legacy protocol has no framing to resynchronise on. When a reply does not arrive within the read
 * timeout the session stops talking, reports state `'lost'` with a detail starting with `reopen-other-baud:`, and
 * `frames()` iterators throw a `LegacyLinkError`. The app must then close the port, re-open it at another baud (e.g.
 * 9600; never 1200, which jumps to the bootloader), close it, re-open at 921600 with DTR and start a new session
 * (re-opening at the same baud resets nothing). Users with older firmware are never told to update.
 */
import { systemClock, type Clock } from '../../../format/clock';
import { PIXFORMAT } from '../../../format/pixformat';
import type { Camera, CameraFrame, CameraInfo, CameraStats } from '../camera';
import type { ByteLink } from '../link';
import { utf8Encode, Utf8Decoder } from '../utf8';
import { OP, STATE, TABOO, command, frameLayout, readU32, u32 } from './wire';

export { legacyProbeWrites, classifyProbeReply } from './wire';

export interface LegacySessionOptions {
  clock?: Clock;
  /** GET_STATE period (IDE: 25 ms). */
  pollIntervalMs?: number;
  /** Reply inactivity timeout (IDE command timeout ≈ 1 s). */
  readTimeoutMs?: number;
  /** Pause between two commands (IDE "execute commands slowly": 1–2 ms). */
  commandGapMs?: number;
  /**
   * GET_STATE length. Default: 63 on firmware ≥ 4.6.1 (the IDE's full-speed size, safe on every board), 64 on
   * 4.5.6–4.6.0.
   */
  getStateLength?: number;
  /** Frames kept for a slow `frames()` consumer before the oldest is dropped (counted in `dropped`). */
  maxQueuedFrames?: number;
  /** Drain TX_BUF when a GET_STATE reply's text part was full (default true). */
  drainTextBuffer?: boolean;
}

/** The link stopped answering: re-open the port at another baud, then at 921600, and open a new session. */
export class LegacyLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LegacyLinkError';
  }
}

const RECOVERY_HINT =
  'reopen-other-baud: the legacy link stopped answering; close the port, open it at another baud (e.g. 9600, never ' +
  '1200), close it again, re-open at 921600 with DTR and start a new session';

type Waiter = () => void;

/** Byte queue fed by `ByteLink.listen`, read with an inactivity timeout on the injected clock. */
class Reader {
  private chunks: Uint8Array[] = [];
  private avail = 0;
  private waiter: Waiter | null = null;
  closedError: Error | null = null;
  closed = false;

  push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.avail += b.length;
    this.wake();
  }

  end(error?: Error): void {
    this.closed = true;
    this.closedError = error ?? null;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  get available(): number {
    return this.avail;
  }

  discard(): number {
    const n = this.avail;
    this.chunks = [];
    this.avail = 0;
    return n;
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.avail -= n;
    return out;
  }

  /** Reads exactly n bytes; rejects when no byte arrives for `timeoutMs`. */
  async read(n: number, timeoutMs: number, clock: Clock): Promise<Uint8Array> {
    while (this.avail < n) {
      if (this.closed)
        throw new LegacyLinkError(`link closed${this.closedError ? ': ' + this.closedError.message : ''}`);
      const before = this.avail;
      let timedOut = false;
      await Promise.race([
        new Promise<void>((resolve) => (this.waiter = resolve)),
        clock.sleep(timeoutMs).then(() => {
          timedOut = true;
        }),
      ]);
      this.waiter = null;
      if (timedOut && this.avail === before && !this.closed) {
        throw new LegacyLinkError(`timeout: ${this.avail} of ${n} bytes after ${timeoutMs} ms`);
      }
    }
    return this.take(n);
  }
}

/** Finds SOI and EOI of a JPEG and, if its markers can be walked, checks the SOF dimensions. */
function checkJpeg(data: Uint8Array, w: number, h: number): string | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return 'no JPEG SOI marker';
  let eoi = false;
  for (let i = data.length - 2; i >= Math.max(2, data.length - 1024); i--) {
    if (data[i] === 0xff && data[i + 1] === 0xd9) {
      eoi = true;
      break;
    }
  }
  if (!eoi) return 'no JPEG EOI marker';
  // Walk marker segments up to the first SOF; stop quietly on anything unexpected (entropy data, padding).
  const at = (k: number): number => data[k] ?? 0;
  let i = 2;
  while (i + 9 < data.length && data[i] === 0xff) {
    const m = at(i + 1);
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01 || m === 0xff) {
      i += m === 0xff ? 1 : 2;
      continue;
    }
    const len = (at(i + 2) << 8) | at(i + 3);
    if (len < 2) break;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      const fh = (at(i + 5) << 8) | at(i + 6);
      const fw = (at(i + 7) << 8) | at(i + 8);
      if (fw !== w || (fh !== 0 && fh !== h)) return `JPEG is ${fw}x${fh}, header said ${w}x${h}`;
      break;
    }
    i += 2 + len;
  }
  return null;
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

interface Parsed {
  major: number;
  minor: number;
  patch: number;
}

function atLeast(v: Parsed, major: number, minor: number, patch: number): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

class LegacySession implements Camera {
  info: CameraInfo = { protocol: 'legacy', firmware: '', board: '', maxPayload: null, channels: [] };
  private readonly clock: Clock;
  private readonly reader = new Reader();
  private readonly text = new Utf8Decoder();
  private version: Parsed = { major: 0, minor: 0, patch: 0 };
  private chain: Promise<unknown> = Promise.resolve();
  private queue: CameraFrame[] = [];
  private frameWaiters: Waiter[] = [];
  private outputListeners = new Set<(text: string) => void>();
  private stateListeners = new Set<(state: string, detail?: string) => void>();
  private st: CameraStats = {
    frames: 0,
    bytes: 0,
    dropped: 0,
    corrupt: 0,
    lost: 0,
    cameraFps: null,
    receivedFps: 0,
    errors: [],
  };
  private arrivals: number[] = [];
  private seq = 0;
  private stopped = false;
  private failure: LegacyLinkError | null = null;
  private running: boolean | null = null;
  private pollDone: Promise<void> = Promise.resolve();
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly gapMs: number;
  private readonly maxQueued: number;
  private readonly drainText: boolean;
  private stateLen = 63;
  sensorId = 0;

  constructor(
    private readonly link: ByteLink,
    private readonly opts: LegacySessionOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.pollMs = opts.pollIntervalMs ?? 25;
    this.timeoutMs = opts.readTimeoutMs ?? 1000;
    this.gapMs = opts.commandGapMs ?? 1;
    this.maxQueued = opts.maxQueuedFrames ?? 8;
    this.drainText = opts.drainTextBuffer ?? true;
  }

  async start(): Promise<void> {
    this.link.listen(
      (b) => this.reader.push(b),
      (error) => {
        this.reader.end(error);
        if (!this.stopped) this.fail(new LegacyLinkError(`link closed${error ? ': ' + error.message : ''}`));
      },
    );
    const fw = await this.exclusive(() => this.query(OP.FW_VERSION, 12));
    this.version = { major: readU32(fw, 0), minor: readU32(fw, 4), patch: readU32(fw, 8) };
    this.info.firmware = `${this.version.major}.${this.version.minor}.${this.version.patch}`;
    const arch = await this.exclusive(() => this.query(OP.ARCH_STR, 64));
    const nul = arch.indexOf(0);
    this.info.board = String.fromCharCode(...arch.subarray(0, nul < 0 ? 64 : nul));
    this.sensorId = readU32(await this.exclusive(() => this.query(OP.SENSOR_ID, 4)), 0);
    this.stateLen = this.opts.getStateLength ?? (atLeast(this.version, 4, 6, 1) ? 63 : 64);
    await this.exclusive(async () => {
      await this.write(command(OP.FB_ENABLE, 4));
      await this.write(u32(1));
    });
    this.setState('connected', `${this.info.board} firmware ${this.info.firmware}`);
    this.pollDone = this.pollLoop();
  }

  // ---- plumbing ----

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(async () => {
      if (this.failure) throw this.failure;
      if (this.stopped) throw new LegacyLinkError('session closed');
      return fn();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(bytes: Uint8Array): Promise<void> {
    await this.link.send(bytes);
  }

  /** One command with a device→host data phase of exactly `length` bytes; `keep` bytes are returned. */
  private async query(op: number, length: number, keep = length): Promise<Uint8Array> {
    const stale = this.reader.discard();
    if (stale) this.error(`discarded ${stale} unexpected byte(s) before opcode 0x${op.toString(16)}`);
    await this.write(command(op, length));
    try {
      const data = await this.reader.read(length, this.timeoutMs, this.clock);
      return keep === length ? data : data.subarray(0, keep);
    } catch (e) {
      const err = e instanceof LegacyLinkError ? e : new LegacyLinkError(String(e));
      this.fail(new LegacyLinkError(`opcode 0x${op.toString(16)}: ${err.message}`));
      throw this.failure;
    } finally {
      if (this.gapMs > 0) await this.clock.sleep(this.gapMs);
    }
  }

  private error(message: string): void {
    this.st.errors.push(message);
    if (this.st.errors.length > 50) this.st.errors.shift();
  }

  private fail(err: LegacyLinkError): void {
    if (this.failure || this.stopped) return;
    this.failure = err;
    this.error(err.message);
    this.setState('lost', `${RECOVERY_HINT} (${err.message})`);
    this.wakeFrames();
  }

  private setState(state: string, detail?: string): void {
    for (const l of this.stateListeners) l(state, detail);
  }

  private emitText(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const s = this.text.decode(bytes);
    if (s) for (const l of this.outputListeners) l(s);
  }

  private setRunning(running: boolean): void {
    if (this.running === running) return;
    this.running = running;
    this.setState(running ? 'running' : 'idle');
  }

  private wakeFrames(): void {
    const ws = this.frameWaiters;
    this.frameWaiters = [];
    for (const w of ws) w();
  }

  private deliver(frame: CameraFrame): void {
    this.queue.push(frame);
    while (this.queue.length > this.maxQueued) {
      this.queue.shift();
      this.st.dropped++;
    }
    this.wakeFrames();
  }

  // ---- the polling loop (protocol.md §3.4) ----

  private async pollLoop(): Promise<void> {
    const modern = atLeast(this.version, 4, 5, 6);
    const oldRule = !atLeast(this.version, 4, 1, 3);
    let lastRunningCheck = -Infinity;
    while (!this.stopped && !this.failure) {
      try {
        if (modern) {
          await this.exclusive(() => this.pollState(oldRule));
          await this.clock.sleep(this.pollMs);
        } else {
          await this.exclusive(async () => {
            const fs = await this.query(OP.FRAME_SIZE, 12);
            await this.handleFrame(readU32(fs, 0), readU32(fs, 4), readU32(fs, 8), oldRule);
            await this.drainTx();
            if (this.clock.now() - lastRunningCheck >= 100) {
              lastRunningCheck = this.clock.now();
              this.setRunning(readU32(await this.query(OP.SCRIPT_RUNNING, 4), 0) !== 0);
            }
          });
          await this.clock.sleep(5);
        }
      } catch {
        // failure is recorded by query(); a closed session just ends the loop
        return;
      }
    }
  }

  private async pollState(oldRule: boolean): Promise<void> {
    const n = this.stateLen;
    const st = await this.query(OP.GET_STATE, n);
    const flags = readU32(st, 0);
    const textArea = st.subarray(16, n - 1);
    const nul = textArea.indexOf(0);
    const text = nul < 0 ? textArea : textArea.subarray(0, nul);
    this.emitText(text);
    this.setRunning((flags & STATE.RUNNING) !== 0);
    if (flags & STATE.FRAME) await this.handleFrame(readU32(st, 4), readU32(st, 8), readU32(st, 12), oldRule);
    if (this.drainText && text.length === textArea.length) await this.drainTx();
  }

  /** TX_BUF_LEN / TX_BUF until empty (bounded), never asking for more than reported, never a multiple of 64. */
  private async drainTx(): Promise<void> {
    for (let round = 0; round < 4; round++) {
      const len = readU32(await this.query(OP.TX_BUF_LEN, 4), 0);
      if (len === 0) return;
      const ask = len % TABOO === 0 ? len - 1 : len;
      this.emitText(await this.query(OP.TX_BUF, ask));
    }
  }

  /** FRAME_DUMP of a locked frame (always dumped when w/h/size were reported, to release the lock). */
  private async handleFrame(w: number, h: number, size: number, oldRule: boolean): Promise<void> {
    if (w === 0 && h === 0 && size === 0) return;
    const layout = frameLayout(w, h, size, oldRule);
    if (!layout || layout.bytes > 64 * 1024 * 1024) {
      this.st.corrupt++;
      this.error(`impossible frame header ${w}x${h} size ${size}`);
      // Release the lock with a 1-byte dump rather than leaving the preview frozen.
      await this.query(OP.FRAME_DUMP, 1);
      return;
    }
    const ask = layout.bytes % TABOO === 0 ? layout.bytes + 1 : layout.bytes;
    const raw = await this.query(OP.FRAME_DUMP, ask, layout.bytes);
    let data = raw.slice(0, layout.bytes);
    let pixformat = layout.pixformat;
    if (layout.compressed) {
      if (PNG_SIG.every((v, k) => data[k] === v)) pixformat = PIXFORMAT.PNG;
      else {
        const problem = checkJpeg(data, w, h);
        if (problem) {
          this.st.corrupt++;
          this.error(`frame ${w}x${h} (${size} B) rejected: ${problem}`);
          return;
        }
      }
    } else if (layout.byteReversed) {
      data = data.slice();
      for (let i = 0; i + 1 < data.length; i += 2) {
        const t = data[i]!;
        data[i] = data[i + 1]!;
        data[i + 1] = t;
      }
    }
    const now = this.clock.now();
    this.arrivals.push(now);
    while (this.arrivals.length > 30 || (this.arrivals.length > 1 && now - this.arrivals[0]! > 3000))
      this.arrivals.shift();
    this.st.frames++;
    this.st.bytes += data.length;
    this.deliver({
      width: w,
      height: h,
      pixformat,
      data,
      size: data.length,
      cameraFps: null,
      receivedAt: now,
      seq: this.seq++,
    });
  }

  // ---- Camera ----

  frames(): AsyncIterable<CameraFrame> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<CameraFrame>> => {
          for (;;) {
            if (this.stopped) return { value: undefined, done: true };
            const f = this.queue.shift();
            if (f) return { value: f, done: false };
            if (this.failure) throw this.failure;
            await new Promise<void>((resolve) => this.frameWaiters.push(resolve));
          }
        },
        return: async (): Promise<IteratorResult<CameraFrame>> => ({ value: undefined, done: true }),
      }),
    };
  }

  stats(): CameraStats {
    const a = this.arrivals;
    const span = a.length > 1 ? a[a.length - 1]! - a[0]! : 0;
    return {
      ...this.st,
      errors: [...this.st.errors],
      receivedFps: span > 0 ? ((a.length - 1) * 1000) / span : 0,
    };
  }

  /** SCRIPT_STOP, wait for SCRIPT_RUNNING = 0 (a running script must never receive SCRIPT_EXEC), upload, run. */
  async runScript(source: string): Promise<void> {
    let bytes = utf8Encode(source);
    if (bytes.length === 0 || bytes.length % TABOO === 0) bytes = Uint8Array.from([...bytes, 0x0a]);
    await this.exclusive(async () => {
      await this.stopAndWait();
      await this.write(command(OP.SCRIPT_EXEC, bytes.length));
      await this.write(bytes);
      await this.clock.sleep(50);
    });
    this.setRunning(true);
  }

  async stopScript(): Promise<void> {
    await this.exclusive(() => this.stopAndWait());
  }

  private async stopAndWait(): Promise<void> {
    // Output already printed is lost when SCRIPT_STOP clears the text buffer: fetch it first.
    await this.drainTx();
    await this.write(command(OP.SCRIPT_STOP, 0));
    await this.clock.sleep(25);
    const deadline = this.clock.now() + 3000;
    for (;;) {
      if (readU32(await this.query(OP.SCRIPT_RUNNING, 4), 0) === 0) break;
      if (this.clock.now() >= deadline) throw new Error('script did not stop within 3 s');
      await this.clock.sleep(50);
    }
    this.setRunning(false);
  }

  onOutput(listener: (text: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  onState(listener: (state: string, detail?: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Stops polling (a frame dump in progress completes, so no lock is left held) and closes the link. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeFrames();
    await this.chain;
    await this.pollDone.catch(() => undefined);
    this.setState('closed');
    await this.link.close().catch(() => undefined);
  }
}

/**
 * Opens a legacy session on a link whose probe already answered 'legacy'. Rejects with `LegacyLinkError` when the
 * board does not answer FW_VERSION (blocked link: re-open at another baud, then at 921600, and retry).
 */
export async function openLegacySession(
  link: ByteLink,
  opts: { clock?: Clock } & LegacySessionOptions = {},
): Promise<Camera> {
  const s = new LegacySession(link, opts);
  try {
    await s.start();
  } catch (e) {
    await link.close().catch(() => undefined);
    throw e instanceof LegacyLinkError ? new LegacyLinkError(`${RECOVERY_HINT} (${e.message})`) : e;
  }
  return s;
}
