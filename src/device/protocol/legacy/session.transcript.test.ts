/**
 * Golden transcripts → host session: a fake ByteLink answers the session's commands, opcode by opcode and in order,
 * with the device bytes of the legacy transcripts (FW_VERSION/ARCH_STR/SENSOR_ID from phase B, the GET_STATE(64)
 * replies and frame dumps of phases D and E4). The transcripts print only the first 64 bytes of a frame dump, so
 * each frame is that prefix, zero filler, and an EOI at `size − 2`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../format/clock';
import { PIXFORMAT } from '../../../format/pixformat';
import type { CameraFrame } from '../camera';
import type { ByteLink } from '../link';
import { LegacyLinkError, classifyProbeReply, legacyProbeWrites, openLegacySession } from './session';
import { parseLegacyTranscript, phasesOf, type TranscriptRecord } from './transcript';
import { OP, readU32 } from './wire';

const DIR = new URL('../../../../../shared/spec/transcripts/', import.meta.url);

interface Golden {
  fw: Uint8Array;
  arch: Uint8Array;
  sensor: Uint8Array;
  states: Uint8Array[];
  /** Frames in the order GET_STATE reported them, with the dump prefix the transcript shows. */
  frames: { size: number; prefix: Uint8Array }[];
  text: string;
}

/** Pairs each D→H command with the reply that answered it (replies come in command order). */
function pairs(
  recs: TranscriptRecord[],
): { op: number; length: number; reply: TranscriptRecord & { kind: 'reply' } }[] {
  const pending: { op: number; length: number }[] = [];
  const out: { op: number; length: number; reply: TranscriptRecord & { kind: 'reply' } }[] = [];
  for (const r of recs) {
    if (r.kind === 'write' && r.length === 6 && r.bytes[0] === 0x30 && (r.bytes[1]! & 0x80) !== 0)
      pending.push({ op: r.bytes[1]!, length: readU32(r.bytes, 2) });
    else if (r.kind === 'reply') {
      const p = pending.shift();
      if (p) out.push({ ...p, reply: r });
    }
  }
  return out;
}

function golden(file: string): Golden {
  const phases = phasesOf(parseLegacyTranscript(readFileSync(new URL(file, DIR), 'utf8')));
  const b = pairs(phases.get('B')!);
  const get = (op: number): Uint8Array => b.find((p) => p.op === op)!.reply.bytes;
  const g: Golden = {
    fw: get(OP.FW_VERSION),
    arch: get(OP.ARCH_STR),
    sensor: get(OP.SENSOR_ID),
    states: [],
    frames: [],
    text: '',
  };
  let awaitingDump = false;
  for (const phase of ['D', 'E4']) {
    for (const p of pairs(phases.get(phase)!)) {
      if (p.op === OP.GET_STATE && p.length === 64) {
        const st = p.reply.bytes;
        g.states.push(st);
        const t = st.subarray(16, 63);
        const nul = t.indexOf(0);
        g.text += String.fromCharCode(...(nul < 0 ? t : t.subarray(0, nul)));
        if (readU32(st, 0) & 4) {
          g.frames.push({ size: readU32(st, 12), prefix: new Uint8Array(0) });
          awaitingDump = true;
        }
      } else if (p.op === OP.FRAME_DUMP && awaitingDump) {
        g.frames[g.frames.length - 1]!.prefix = p.reply.bytes.slice(0, p.reply.shown);
        awaitingDump = false;
      }
    }
  }
  return g;
}

function frameBytes(prefix: Uint8Array, size: number, corrupt = false): Uint8Array {
  const d = new Uint8Array(size);
  d.set(prefix.subarray(0, size));
  if (!corrupt) d.set([0xff, 0xd9], size - 2);
  return d;
}

/** A ByteLink that answers synchronously from the golden data and records every host write. */
function fakeLink(g: Golden, corruptFrames = new Set<number>()): ByteLink & { writes: Uint8Array[] } {
  let onBytes: (b: Uint8Array) => void = () => undefined;
  let dataFor = 0;
  let state = 0;
  let frame = -1;
  const writes: Uint8Array[] = [];
  return {
    writes,
    listen(bytes) {
      onBytes = bytes;
    },
    async close() {},
    async send(bytes) {
      writes.push(bytes.slice());
      if (dataFor > 0) {
        dataFor = 0;
        return;
      }
      expect(bytes.length).toBe(6);
      expect(bytes[0]).toBe(0x30);
      const op = bytes[1]!;
      const len = readU32(bytes, 2);
      switch (op) {
        case OP.FW_VERSION:
          return onBytes(g.fw);
        case OP.ARCH_STR:
          return onBytes(g.arch);
        case OP.SENSOR_ID:
          return onBytes(g.sensor);
        case OP.TX_BUF_LEN:
        case OP.SCRIPT_RUNNING:
          return onBytes(new Uint8Array(4));
        case OP.GET_STATE: {
          expect(len).toBe(64);
          const st = g.states[state++];
          if (!st) return; // transcript exhausted: the board goes silent
          if (readU32(st, 0) & 4) frame++;
          return onBytes(st);
        }
        case OP.FRAME_DUMP: {
          const f = g.frames[frame]!;
          expect(len).toBe(f.size % 64 === 0 ? f.size + 1 : f.size);
          const out = new Uint8Array(len);
          out.set(frameBytes(f.prefix, f.size, corruptFrames.has(frame)));
          return onBytes(out);
        }
        default:
          if (!(op & 0x80)) dataFor = len;
      }
    },
  };
}

async function collect(
  cam: Awaited<ReturnType<typeof openLegacySession>>,
): Promise<{ frames: CameraFrame[]; error: unknown }> {
  const frames: CameraFrame[] = [];
  try {
    for await (const f of cam.frames()) frames.push(f);
    return { frames, error: null };
  } catch (e) {
    return { frames, error: e };
  }
}

describe.each(['legacy-stm32.txt', 'legacy-tinyusb.txt'])('host session replaying %s', (file) => {
  const g = golden(file);

  it('has golden data to replay', () => {
    expect(g.states.length).toBeGreaterThan(500);
    expect(g.frames.length).toBeGreaterThan(60);
    expect(g.frames.every((f) => f.prefix.length === 64)).toBe(true);
  });

  it('delivers every reported frame, the inline text, and reports the silent link as lost', async () => {
    const link = fakeLink(g);
    const clock = new ManualClock(0);
    const states: [string, string | undefined][] = [];
    const cam = await openLegacySession(link, { clock, getStateLength: 64, maxQueuedFrames: 100000 });
    let text = '';
    cam.onOutput((t) => (text += t));
    cam.onState((s, d) => states.push([s, d]));
    const { frames, error } = await collect(cam);
    expect(cam.info).toMatchObject({ protocol: 'legacy', firmware: '4.8.1', maxPayload: null, channels: [] });
    expect(cam.info.board).toBe(String.fromCharCode(...g.arch.subarray(0, g.arch.indexOf(0))));
    expect(frames.map((f) => f.size)).toEqual(g.frames.map((f) => f.size));
    frames.forEach((f, i) => {
      expect(f).toMatchObject({
        width: 320,
        height: 240,
        pixformat: PIXFORMAT.JPEG,
        seq: i,
        cameraFps: null,
      });
      expect(f.data).toEqual(frameBytes(g.frames[i]!.prefix, g.frames[i]!.size));
    });
    expect(text).toBe(g.text);
    expect(error).toBeInstanceOf(LegacyLinkError);
    expect(states.at(-1)![0]).toBe('lost');
    expect(states.at(-1)![1]).toMatch(/^reopen-other-baud:/);
    const st = cam.stats();
    expect(st).toMatchObject({ frames: g.frames.length, corrupt: 0, dropped: 0 });
    // handshake writes: FW_VERSION, ARCH_STR, SENSOR_ID, FB_ENABLE header, then its u32 in a separate write
    expect(link.writes.slice(0, 5).map((w) => Array.from(w))).toEqual([
      [0x30, 0x80, 12, 0, 0, 0],
      [0x30, 0x83, 64, 0, 0, 0],
      [0x30, 0x90, 4, 0, 0, 0],
      [0x30, 0x0d, 4, 0, 0, 0],
      [1, 0, 0, 0],
    ]);
    await cam.close();
  });

  it('counts frames without a JPEG EOI as corrupt and does not deliver them', async () => {
    const link = fakeLink(g, new Set([0, 3]));
    const cam = await openLegacySession(link, {
      clock: new ManualClock(0),
      getStateLength: 64,
      maxQueuedFrames: 100000,
    });
    const { frames } = await collect(cam);
    expect(frames.length).toBe(g.frames.length - 2);
    expect(cam.stats().corrupt).toBe(2);
    expect(frames[0]!.size).toBe(g.frames[1]!.size);
    await cam.close();
  });
});

describe('probe (protocol.md §1.3)', () => {
  it("is four 6-byte writes equal to the transcripts' split probe", () => {
    const recs = phasesOf(
      parseLegacyTranscript(readFileSync(new URL('legacy-tinyusb.txt', DIR), 'utf8')),
    ).get("A'")!;
    const writes = recs
      .filter((r): r is TranscriptRecord & { kind: 'write' } => r.kind === 'write')
      .slice(0, 4);
    expect(legacyProbeWrites().map((w) => Array.from(w))).toEqual(writes.map((w) => Array.from(w.bytes)));
    expect(legacyProbeWrites().every((w) => w.length === 6)).toBe(true);
  });

  it('classifies replies', () => {
    expect(classifyProbeReply(Uint8Array.from([0, 0, 0, 0]))).toBe('legacy');
    expect(classifyProbeReply(Uint8Array.from([1, 0, 0, 0]))).toBe('legacy');
    expect(classifyProbeReply(Uint8Array.from([0xaa, 0xd5, 0, 0, 1, 0, 0, 0, 8, 0x46]))).toBe('channel');
    expect(classifyProbeReply(Uint8Array.from([2, 0, 0, 0]))).toBe('unknown');
    expect(classifyProbeReply(Uint8Array.from([0, 0]))).toBe('unknown');
    expect(classifyProbeReply(new Uint8Array(0))).toBe('unknown');
  });
});
