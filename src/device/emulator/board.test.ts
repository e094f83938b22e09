/**
 * Board behaviours the transcripts do not exercise, checked against the byte vectors and rules of protocol.md.
 */
import { describe, expect, it } from 'vitest';
import { encodePacket, FLAG, OPCODE, PacketParser, STATUS, type Packet } from '../protocol/packet';
import { EmulatedBoard } from './board';
import { readBurnedNumber, TestPatternSource } from './frames';
import { parseScript, STREAMING_SCRIPT } from './script';
import { CaptureLink, settle, SteppedClock } from './test-support';
import { PIXFORMAT } from '../../format/pixformat';
import type { BoardModel } from './profiles';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
const fromHex = (s: string): Uint8Array => Uint8Array.from(s.trim().split(/\s+/), (h) => parseInt(h, 16));

function rig(model: BoardModel = 'H7 Plus', opts: { autonomous?: boolean; source?: TestPatternSource } = {}) {
  const clock = new SteppedClock();
  const link = new CaptureLink();
  const board = new EmulatedBoard({
    model,
    clock,
    autonomous: opts.autonomous ?? false,
    source: opts.source,
  });
  board.attach(link);
  let taken = 0;
  const parser = new PacketParser({ maxPayload: 0xffff });
  const host = {
    clock,
    link,
    board,
    async send(p: Partial<Packet> & { opcode: number }): Promise<void> {
      link.deliver(encodePacket({ seq: 0, chan: 0, flags: 0, payload: new Uint8Array(0), ...p }));
      await settle();
    },
    async raw(b: Uint8Array): Promise<void> {
      link.deliver(b);
      await settle();
    },
    /** Board packets sent since the last call. */
    take(): Packet[] {
      const out: Packet[] = [];
      for (const b of link.sent.slice(taken))
        for (const e of parser.push(b)) if (e.kind === 'packet') out.push(e.packet);
      taken = link.sent.length;
      return out;
    },
    takeRaw(): Uint8Array[] {
      const r = link.sent.slice(taken);
      taken = link.sent.length;
      return r;
    },
    async ack(p: Packet): Promise<void> {
      await host.send({ seq: p.seq, chan: p.chan, flags: FLAG.ACK, opcode: p.opcode });
    },
    /** SYNC, then SET_CAPS with the given flags (seq 0), leaving the counter at 1. */
    async connect(capsFlags = 0x0b): Promise<void> {
      await host.send({ opcode: OPCODE.PROTO_SYNC });
      const caps = new Uint8Array(16);
      caps[0] = capsFlags;
      new DataView(caps.buffer).setUint16(4, board.profile.maxPayload, true);
      await host.send({ opcode: OPCODE.PROTO_SET_CAPS, payload: caps });
      host.take();
    },
  };
  return host;
}

const u32 = (...v: number[]): Uint8Array => {
  const b = new Uint8Array(v.length * 4);
  v.forEach((x, i) => new DataView(b.buffer).setUint32(i * 4, x, true));
  return b;
};

describe('EmulatedBoard: spec vectors', () => {
  it('answers SYNC with ACK seq 0 (§2.16) and the probe form (4-byte SYNC after legacy bytes, §1.3)', async () => {
    const h = rig();
    await h.raw(fromHex('30 87 04 00 00 00 AA D5 00 00 00 00 04 00 04 B5 00 00 00 00 75 CA 70 FF'));
    expect(h.takeRaw().map(hex)).toEqual(['aa d5 00 00 01 00 00 00 08 46']);
  });

  it('SEQUENCE NAK carries the device counter and consumes it (§2.7 verified vector)', async () => {
    const h = rig();
    await h.send({ opcode: OPCODE.PROTO_SYNC });
    await h.send({ opcode: OPCODE.PROTO_GET_CAPS });
    const [caps] = h.take().slice(-1);
    await h.ack(caps!);
    const c = new Uint8Array(16);
    c[0] = 0x0f;
    c[4] = 0xf2;
    c[5] = 0x0f;
    await h.send({ seq: 1, opcode: OPCODE.PROTO_SET_CAPS, payload: c });
    h.takeRaw();
    await h.send({ seq: 9, opcode: OPCODE.PROTO_VERSION });
    expect(h.takeRaw().map(hex)).toEqual(['aa d5 02 00 02 04 02 00 4a 7e 06 00 de 22 81 9a']);
    expect(h.board.sequenceCounter).toBe(3);
  });

  it('CHANNEL_LIST with ACK off is the computed 78-byte reply (§2.9)', async () => {
    const h = rig();
    await h.connect(0x0b);
    await h.send({ seq: 1, opcode: OPCODE.PROTO_VERSION });
    h.take();
    await h.send({ seq: 2, opcode: OPCODE.CHANNEL_LIST });
    const [b] = h.takeRaw();
    expect(hex(b!.subarray(0, 10))).toBe('aa d5 02 00 00 20 40 00 74 1d');
    expect(hex(b!.subarray(74))).toBe('ac 38 ba df');
  });

  it('events carry the counter without advancing it: stdin running, soft reboot (§2.11 vectors)', async () => {
    const h = rig();
    await h.connect(0x0b);
    for (let s = 1; s < 9; s++) await h.send({ seq: s, opcode: OPCODE.CHANNEL_POLL });
    h.take();
    h.board.scriptStarted('stdin');
    await settle();
    expect(h.takeRaw().map(hex)).toEqual(['aa d5 09 01 20 29 02 00 b2 8f 01 00 b0 fb 68 82']);
    h.board.scriptEnded();
    await settle();
    const raw = h.takeRaw().map(hex);
    expect(raw).toEqual([
      'aa d5 09 01 20 29 02 00 b2 8f 00 00 14 40 72 16',
      'aa d5 09 00 20 13 02 00 72 a6 02 00 d5 4a 11 c4',
    ]);
    // After the soft reboot: SEQ 0, default caps (ACK on again), stdout kept with the reboot banner.
    expect(h.board.sequenceCounter).toBe(0);
    expect(h.board.capabilities.ack).toBe(true);
    expect(h.board.stdoutPending).toBe('MPY: soft reboot\n'.length);
  });
});

describe('EmulatedBoard: receive state machine (§2.14)', () => {
  it('drops a bad header silently, NAKs CHECKSUM, OVERFLOW, INVALID channel', async () => {
    const h = rig('H7');
    await h.connect(0x0b);
    const bad = encodePacket({
      seq: 1,
      chan: 0,
      flags: 0,
      opcode: OPCODE.PROTO_VERSION,
      payload: new Uint8Array(0),
    });
    bad[8]! ^= 0xff;
    await h.raw(bad);
    expect(h.take()).toEqual([]);
    const badPayload = encodePacket({
      seq: 1,
      chan: 1,
      flags: 0,
      opcode: OPCODE.CHANNEL_WRITE,
      payload: u32(0, 1, 0),
    });
    badPayload[badPayload.length - 1]! ^= 1;
    await h.raw(badPayload);
    let [p] = h.take();
    expect([p!.seq, p!.flags, p!.payload[0]]).toEqual([1, FLAG.NAK, STATUS.CHECKSUM]);
    await h.send({ seq: 2, chan: 1, opcode: OPCODE.CHANNEL_WRITE, payload: new Uint8Array(499) });
    [p] = h.take();
    expect([p!.seq, p!.payload[0]]).toEqual([2, STATUS.OVERFLOW]);
    await h.send({ seq: 3, chan: 3, opcode: OPCODE.PROTO_VERSION });
    [p] = h.take();
    expect([p!.seq, p!.payload[0]]).toEqual([3, STATUS.INVALID]);
  });

  it('SYNC_RECOVERY: a zero-length SYNC inside an incomplete packet is processed', async () => {
    const h = rig();
    await h.connect(0x0b);
    const partial = encodePacket({
      seq: 1,
      chan: 1,
      flags: 0,
      opcode: OPCODE.CHANNEL_WRITE,
      payload: new Uint8Array(100),
    });
    const sync = encodePacket({
      seq: 0,
      chan: 0,
      flags: 0,
      opcode: OPCODE.PROTO_SYNC,
      payload: new Uint8Array(0),
    });
    await h.raw(partial.subarray(0, 40));
    await h.raw(sync);
    expect(h.takeRaw().map(hex)).toEqual(['aa d5 00 00 01 00 00 00 08 46']);
  });

  it('SET_CAPS validation: wrong size or max_payload outside [50, board max] → NAK INVALID', async () => {
    const h = rig('H7');
    await h.send({ opcode: OPCODE.PROTO_SYNC });
    await h.send({ opcode: OPCODE.PROTO_SET_CAPS, payload: new Uint8Array(15) });
    const c = new Uint8Array(16);
    c[0] = 0x0b;
    c[4] = 49;
    await h.send({ seq: 1, opcode: OPCODE.PROTO_SET_CAPS, payload: c });
    c[4] = 0xf3; // 499 > 498
    c[5] = 0x01;
    await h.send({ seq: 2, opcode: OPCODE.PROTO_SET_CAPS, payload: c });
    const naks = h.take().filter((p) => p.flags & FLAG.NAK);
    expect(naks.map((p) => [p.seq, p.payload[0]])).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ]);
  });
});

describe('EmulatedBoard: ACK_REQ, RTX, protocol reset (§2.5)', () => {
  it('retransmits at +500, +1500, +3500 ms with RTX and a new header CRC, then resets', async () => {
    const h = rig();
    await h.send({ opcode: OPCODE.PROTO_SYNC });
    h.take();
    await h.send({ opcode: OPCODE.PROTO_GET_CAPS });
    const [first] = h.takeRaw();
    expect(first![4]).toBe(FLAG.ACK_REQ);
    const times: number[] = [];
    for (const t of [499, 500, 1499, 1500, 3499, 3500, 7499, 7500]) {
      h.clock.set(t);
      await settle();
      for (const b of h.takeRaw()) {
        times.push(t);
        expect(b[4]).toBe(FLAG.ACK_REQ | FLAG.RTX);
        expect(hex(b.subarray(10))).toBe(hex(first!.subarray(10)));
      }
    }
    expect(times).toEqual([500, 1500, 3500]);
    expect(h.board.sequenceCounter).toBe(0);
    expect(h.board.stats.protocolResets).toBeGreaterThanOrEqual(2);
  });

  it('a host NAK produces three back-to-back RTX copies and a reset (verified firmware behaviour)', async () => {
    const h = rig();
    await h.send({ opcode: OPCODE.PROTO_SYNC });
    await h.send({ opcode: OPCODE.PROTO_GET_CAPS });
    const caps = h.take().at(-1)!;
    await h.send({ seq: caps.seq, flags: FLAG.NAK, opcode: caps.opcode });
    const rtx = h.take();
    expect(rtx.length).toBe(3);
    expect(rtx.every((p) => p.flags & FLAG.RTX)).toBe(true);
    expect(h.board.sequenceCounter).toBe(0);
  });

  it('a zero-length SYNC during WAIT_ACK aborts the send and is answered', async () => {
    const h = rig();
    await h.send({ opcode: OPCODE.PROTO_SYNC });
    await h.send({ opcode: OPCODE.CHANNEL_LIST });
    h.take();
    await h.send({ opcode: OPCODE.PROTO_SYNC });
    expect(h.takeRaw().map(hex)).toEqual(['aa d5 00 00 01 00 00 00 08 46']);
    h.clock.set(10_000);
    await settle();
    expect(h.take()).toEqual([]);
  });

  it('per-fragment ACK: the next fragment waits for the ACK of the previous one', async () => {
    const h = rig('H7', { autonomous: false });
    await h.connect(0x0f);
    await h.send({ seq: 1, chan: 3, opcode: OPCODE.CHANNEL_IOCTL, payload: u32(0, 1) });
    const [ack] = h.take();
    expect(ack!.flags).toBe(FLAG.ACK);
    h.board.pushFrame(new TestPatternSource({ width: 160, height: 120, format: 'JPEG' }).next());
    await settle();
    h.take();
    h.clock.set(100);
    await h.send({ seq: 2, chan: 3, opcode: OPCODE.CHANNEL_LOCK });
    await h.send({ seq: 3, chan: 3, opcode: OPCODE.CHANNEL_SIZE });
    const size = h.take().at(-1)!;
    await h.ack(size);
    const total = new DataView(size.payload.buffer, size.payload.byteOffset).getUint32(0, true);
    await h.send({ seq: 4, chan: 3, opcode: OPCODE.CHANNEL_READ, payload: u32(0, total) });
    let got = 0;
    for (;;) {
      const ps = h.take();
      expect(ps.length).toBe(1);
      const p = ps[0]!;
      expect(p.flags & FLAG.ACK_REQ).toBeTruthy();
      got += p.payload.length;
      expect(p.payload.length).toBeLessThanOrEqual(498);
      await h.ack(p);
      if (!(p.flags & FLAG.FRAGMENT)) break;
    }
    expect(got).toBe(total);
    expect(hex(h.board.streamBuffer!.subarray(0, 4))).toBe('a0 00 00 00');
  });
});

describe('EmulatedBoard: stream channel (§2.12)', () => {
  it('disabled at power-up; alternation; 10 ms lock spacing; UNLOCK clears; 32-byte header', async () => {
    const h = rig('H7 Plus');
    await h.connect(0x0b);
    const src = new TestPatternSource({ width: 320, height: 240, format: 'RGB565' });
    expect(h.board.pushFrame(src.next())).toBe(false); // disabled
    await h.send({ seq: 1, chan: 3, opcode: OPCODE.CHANNEL_IOCTL, payload: u32(0, 1) });
    expect(h.board.pushFrame(src.next())).toBe(true);
    expect(h.board.pushFrame(src.next())).toBe(false); // camera was last owner
    await settle();
    expect(h.take().map((p) => [p.chan, p.flags, p.opcode])).toEqual([
      [3, FLAG.ACK, OPCODE.CHANNEL_IOCTL],
      [3, FLAG.EVENT, OPCODE.CHANNEL_EVENT],
    ]);
    h.clock.set(50);
    await h.send({ seq: 2, chan: 3, opcode: OPCODE.CHANNEL_LOCK });
    await h.send({ seq: 3, chan: 3, opcode: OPCODE.CHANNEL_SIZE });
    await h.send({ seq: 4, chan: 3, opcode: OPCODE.CHANNEL_READ, payload: u32(0, 32) });
    const [lock, size, hdr] = h.take();
    expect(lock!.flags).toBe(FLAG.ACK);
    const dv = new DataView(hdr!.payload.buffer, hdr!.payload.byteOffset);
    expect([
      dv.getUint32(0, true),
      dv.getUint32(4, true),
      dv.getUint32(8, true),
      dv.getUint32(16, true),
    ]).toEqual([320, 240, PIXFORMAT.JPEG, 32]);
    expect(new DataView(size!.payload.buffer, size!.payload.byteOffset).getUint32(0, true)).toBe(
      32 + dv.getUint32(12, true),
    );
    expect(hex(hdr!.payload.subarray(24, 32))).toBe('00 00 00 00 00 00 00 00');
    await h.send({ seq: 5, chan: 3, opcode: OPCODE.CHANNEL_UNLOCK });
    await h.send({ seq: 6, chan: 3, opcode: OPCODE.CHANNEL_SIZE });
    const [unlock, size0] = h.take();
    expect(unlock!.flags).toBe(FLAG.ACK);
    expect(hex(size0!.payload)).toBe('00 00 00 00');
    expect(h.board.pushFrame(src.next())).toBe(true);
    await settle();
    h.take();
    h.clock.set(55); // < 10 ms after the last successful lock
    await h.send({ seq: 7, chan: 3, opcode: OPCODE.CHANNEL_LOCK });
    expect(h.take()[0]!.payload[0]).toBe(STATUS.BUSY);
    h.clock.set(61);
    await h.send({ seq: 8, chan: 3, opcode: OPCODE.CHANNEL_LOCK });
    expect(h.take()[0]!.flags).toBe(FLAG.ACK);
  });

  it('raw preview: N6 defaults on (512×512), frames go raw with bpp in the size field', async () => {
    const h = rig('N6');
    await h.send({ opcode: OPCODE.PROTO_SYNC });
    h.board.softReboot(); // raw default applies at (soft) boot
    await settle();
    await h.connect(0x0b);
    await h.send({ seq: 1, chan: 3, opcode: OPCODE.CHANNEL_IOCTL, payload: u32(0, 1) });
    h.board.pushFrame(new TestPatternSource({ width: 640, height: 480, format: 'GRAYSCALE' }).next());
    const f = h.board.streamBuffer!;
    const dv = new DataView(f.buffer, f.byteOffset);
    expect([
      dv.getUint32(0, true),
      dv.getUint32(4, true),
      dv.getUint32(8, true),
      dv.getUint32(12, true),
    ]).toEqual([512, 384, PIXFORMAT.GRAYSCALE, 1]);
    expect(f.length).toBe(32 + 512 * 384);
  });
});

describe('EmulatedBoard: stdout (§2.6, §2.10)', () => {
  it('reads in min(512, max_payload) chunks; a read past the data ends with NAK FAILED', async () => {
    const h = rig('H7 Plus');
    await h.connect(0x0b);
    h.board.print('x'.repeat(906));
    await settle();
    h.take(); // the 50 % NOTIFY
    await h.send({ seq: 1, chan: 2, opcode: OPCODE.CHANNEL_READ, payload: u32(0, 906) });
    expect(h.take().map((p) => [p.payload.length, p.flags])).toEqual([
      [512, FLAG.FRAGMENT],
      [394, 0],
    ]);
    h.board.print('abc');
    await h.send({ seq: 3, chan: 2, opcode: OPCODE.CHANNEL_READ, payload: u32(0, 600) });
    expect(h.take().map((p) => [p.payload.length, p.flags])).toEqual([
      [3, FLAG.FRAGMENT],
      [2, FLAG.NAK],
    ]);
  });

  it('the ring holds size − 1 bytes; overflow keeps only the tail of the new text', () => {
    const h = rig('H7');
    h.board.print('a'.repeat(300));
    h.board.print('b'.repeat(600));
    expect(h.board.stdoutPending).toBe(511);
  });
});

describe('scripts (§2.13, §5.1)', () => {
  it('parses the standard streaming script into a loop with snapshot + print', () => {
    const s = parseScript(STREAMING_SCRIPT);
    expect(s.loop?.map((l) => l.kind)).toEqual(['snapshot', 'print']);
    expect(s.pixformat).toBe(PIXFORMAT.RGB565);
    expect(s.size).toEqual({ width: 320, height: 240 });
  });

  it('upload + exec runs the script: prints, frames, STOP → stdin 0 → SOFT_REBOOT → SEQ 0', async () => {
    const src = new TestPatternSource({ width: 160, height: 120, format: 'JPEG', fps: 20 });
    const h = rig('H7 Plus', { autonomous: true, source: src });
    await h.connect(0x0b);
    await h.send({ seq: 1, chan: 3, opcode: OPCODE.CHANNEL_IOCTL, payload: u32(0, 1) });
    const script = new TextEncoder().encode(
      'import csi\ncam = csi.CSI()\nprint("hello")\nwhile True:\n    img = cam.snapshot()\n    print(f"fps {clock.fps()}")\n',
    );
    const w = new Uint8Array(8 + script.length);
    w.set(u32(0, script.length));
    w.set(script, 8);
    await h.send({ seq: 2, chan: 1, opcode: OPCODE.CHANNEL_WRITE, payload: w });
    await h.send({ seq: 3, chan: 1, opcode: OPCODE.CHANNEL_IOCTL, payload: u32(2) });
    await settle();
    let ps = h.take();
    expect(ps.some((p) => p.chan === 1 && p.flags === FLAG.EVENT && p.payload[0] === 1)).toBe(true);
    expect(ps.some((p) => p.chan === 3 && p.flags === FLAG.EVENT)).toBe(true);
    expect(h.board.scriptRunning).toBe(true);
    await h.send({ seq: 4, chan: 1, opcode: OPCODE.CHANNEL_IOCTL, payload: u32(1) });
    for (let t = 50; t <= 200; t += 50) {
      h.clock.set(t);
      await settle();
    }
    ps = h.take();
    const evs = ps.filter((p) => p.flags & FLAG.EVENT && p.opcode !== OPCODE.CHANNEL_EVENT + 0x100);
    expect(evs.some((p) => p.chan === 1 && p.payload[0] === 0)).toBe(true);
    expect(evs.some((p) => p.opcode === OPCODE.SYS_EVENT && p.payload[0] === 2)).toBe(true);
    expect(h.board.sequenceCounter).toBe(0);
    expect(h.board.capabilities.ack).toBe(true);
    expect(h.board.streaming).toBe(true); // stream enable survives the soft reboot
    h.board.stop();
  });
});

describe('frame sources', () => {
  it('burns the frame counter in; formats and sizes', () => {
    const src = new TestPatternSource({ width: 320, height: 240, format: 'RGB565', noise: 0 });
    for (let i = 0; i < 12; i++) src.next();
    const rgb = src.renderRgb(12);
    expect(readBurnedNumber(rgb, 320, 4, 2)).toBe(12);
    expect(src.next().data.length).toBe(320 * 240 * 2);
    const g = new TestPatternSource({ width: 160, height: 120, format: 'GRAYSCALE' }).next();
    expect([g.width, g.height, g.pixformat, g.data.length]).toEqual([160, 120, PIXFORMAT.GRAYSCALE, 19200]);
    const j = new TestPatternSource({ width: 640, height: 480, format: 'JPEG' }).next();
    expect([j.pixformat, j.data[0], j.data[1], j.data.at(-2), j.data.at(-1)]).toEqual([
      PIXFORMAT.JPEG,
      0xff,
      0xd8,
      0xff,
      0xd9,
    ]);
  });
});
