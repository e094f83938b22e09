/**
 * The public camera API the UI and the recorder use, for both protocols (channel protocol of firmware ≥ 5, legacy
 * "usbdbg" of firmware ≤ 4.8.1), and `connectCamera`, which detects the protocol (protocol.md §1.3) and opens the
 * matching session. Pure: no DOM, no Node.
 */
import { systemClock, type Clock } from '../../format/clock';
import { openChannelSession } from './channel-session';
import type { ByteLink } from './link';
import { openLegacySession } from './legacy/session';
import { encodePacket, FLAG, OPCODE } from './packet';

export interface CameraFrame {
  width: number;
  height: number;
  pixformat: number;
  data: Uint8Array;
  size: number;
  cameraFps: number | null;
  receivedAt: number;
  seq: number;
}

export interface CameraInfo {
  protocol: 'channel' | 'legacy';
  firmware: string;
  board: string;
  maxPayload: number | null;
  channels: string[];
}

export interface CameraStats {
  frames: number;
  bytes: number;
  /** Frames the consumer missed (its `frames()` queue overflowed). */
  dropped: number;
  /** Frames read in full that failed a check (size vs header, JPEG SOI/EOI). */
  corrupt: number;
  /** Frames the host locked but whose read was abandoned (protocol error, NAK, timeout, resync). */
  lost: number;
  cameraFps: number | null;
  receivedFps: number;
  errors: string[] /* last few protocol errors: offset, byte hex, state */;
}

export interface Camera {
  readonly info: CameraInfo;
  /** Frames as they arrive (streaming enabled on first call); ends when the camera disconnects or close() is called. */
  frames(): AsyncIterable<CameraFrame>;
  stats(): CameraStats;
  runScript(source: string): Promise<void>;
  stopScript(): Promise<void>;
  /** Script output (stdout) as text chunks; returns an unsubscribe function. */
  onOutput(listener: (text: string) => void): () => void;
  /** State changes: 'connected' | 'streaming' | 'recovering' | 'disconnected'. */
  onState(listener: (state: string, detail?: string) => void): () => void;
  close(): Promise<void>;
}

export interface ConnectOptions {
  clock?: Clock;
  /** Negotiate ACK off (protocol.md §2.5: the IDE does this on USB). Default true. */
  ackOff?: boolean;
  /** Discard input until this much silence before probing (IDE: 100 ms; 0 = no flush). */
  flushMs?: number;
  /** How long to wait for the probe's first 4 bytes (default 1000 ms). */
  probeTimeoutMs?: number;
}

/**
 * The §1.3 probe: legacy SCRIPT_RUNNING (`30 87 04 00 00 00`) followed by a PROTO_SYNC with a 4-byte zero payload,
 * 24 bytes, sent as four 6-byte writes.
 */
export function probeWrites(): Uint8Array[] {
  const sync = encodePacket({
    seq: 0,
    chan: 0,
    flags: 0,
    opcode: OPCODE.PROTO_SYNC,
    payload: new Uint8Array(4),
  });
  const all = new Uint8Array(24);
  all.set([0x30, 0x87, 0x04, 0x00, 0x00, 0x00], 0);
  all.set(sync, 6);
  const out: Uint8Array[] = [];
  for (let i = 0; i < 24; i += 6) out.push(all.slice(i, i + 6));
  return out;
}

/**
 * A ByteLink whose receiver can be replaced: the underlying link's `listen` is called once; bytes that arrive
 * while no receiver is set are kept for the next one.
 */
export function shareLink(link: ByteLink): ByteLink & { detach(): void } {
  let onBytes: ((b: Uint8Array) => void) | null = null;
  let onClosed: ((e?: Error) => void) | null = null;
  const held: Uint8Array[] = [];
  let closedWith: { error?: Error } | null = null;
  link.listen(
    (b) => {
      if (onBytes) onBytes(b);
      else held.push(b);
    },
    (error) => {
      closedWith = { error };
      onClosed?.(error);
    },
  );
  return {
    send: (b) => link.send(b),
    close: () => link.close(),
    listen(bytes, closed) {
      onBytes = bytes;
      onClosed = closed;
      for (const b of held.splice(0)) bytes(b);
      if (closedWith) closed(closedWith.error);
    },
    detach() {
      onBytes = null;
      onClosed = null;
    },
  };
}

/** Detects the protocol per §1.3 (the probe as four 6-byte writes; never a single write or a bare SYNC first) and opens the matching session. */
export async function connectCamera(link: ByteLink, opts: ConnectOptions = {}): Promise<Camera> {
  const clock = opts.clock ?? systemClock;
  const shared = shareLink(link);
  let got = new Uint8Array(0);
  let wake: (() => void) | null = null;
  let lost: Error | null = null;
  shared.listen(
    (b) => {
      const n = new Uint8Array(got.length + b.length);
      n.set(got);
      n.set(b, got.length);
      got = n;
      wake?.();
    },
    (e) => {
      lost = e ?? new Error('link closed');
      wake?.();
    },
  );
  const waitFor = async (pred: () => boolean, ms: number): Promise<boolean> => {
    const deadline = clock.now() + ms;
    while (!pred() && !lost && clock.now() < deadline) {
      await Promise.race([
        new Promise<void>((r) => (wake = r)),
        clock.sleep(Math.min(10, Math.max(1, deadline - clock.now()))),
      ]);
      wake = null;
    }
    return pred();
  };
  // Like the IDE: discard whatever arrives before the probe, until 100 ms of silence (at most 1 s).
  const flushMs = opts.flushMs ?? 100;
  if (flushMs > 0) {
    const start = clock.now();
    for (;;) {
      const before = got.length;
      await waitFor(() => got.length !== before, flushMs);
      if (got.length === before || lost || clock.now() - start > 1000) break;
    }
    got = new Uint8Array(0);
  }
  if (lost) throw lost;
  for (const w of probeWrites()) await shared.send(w);
  await waitFor(() => got.length >= 4, opts.probeTimeoutMs ?? 1000);
  if (lost) throw lost;
  if (got.length >= 2 && got[0] === 0xaa && got[1] === 0xd5) {
    // New protocol: the SYNC was answered with a 10-byte ACK. Swallow it so its SEQ does not confuse the session.
    await waitFor(() => got.length >= 10, 200);
    shared.detach();
    const ack = encodePacket({
      seq: 0,
      chan: 0,
      flags: FLAG.ACK,
      opcode: OPCODE.PROTO_SYNC,
      payload: new Uint8Array(0),
    });
    const isAck = got.length >= 10 && ack.every((b, i) => got[i] === b);
    // Anything else (an event that came first) goes to the session's parser; a stray SYNC ACK would be harmless
    // there too (it only sets the sequence counter to 0, which it is).
    const rest = isAck ? got.slice(10) : got;
    return openChannelSession(shared, {
      clock,
      ackOff: opts.ackOff ?? true,
      initialBytes: rest.length ? rest : undefined,
    });
  }
  if (got.length >= 4) {
    const v = (got[0]! | (got[1]! << 8) | (got[2]! << 16) | (got[3]! << 24)) >>> 0;
    if (v === 0 || v === 1) {
      shared.detach();
      return openLegacySession(shared, { clock });
    }
    throw new Error(
      `not an OpenMV camera: probe answered ${Array.from(got.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ')}`,
    );
  }
  throw new Error(
    'no answer to the protocol probe: wrong port or baud, DTR not asserted, or a script that does not service USB',
  );
}
