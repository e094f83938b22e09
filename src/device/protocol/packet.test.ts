import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodePacket, FLAG, OPCODE, PacketParser, STATUS, formatParseError, type Packet } from './packet';
import {
  decodeCaps,
  decodeChannelList,
  decodeFrameHeader,
  decodeSysInfo,
  decodeVersion,
  encodeCaps,
  encodeChannelList,
  encodeFrameHeader,
  encodeIoctl,
  encodeReadRequest,
  encodeSysInfo,
  IOCTL,
} from './payloads';
import { CHANNEL_TRANSCRIPTS, parseTranscript, streamOf, type Transcript } from './test/transcript';

const TRANSCRIPT_DIR = new URL('../../../../shared/spec/transcripts/', import.meta.url);
const readTranscript = (name: string): Transcript =>
  parseTranscript(name, readFileSync(new URL(name, TRANSCRIPT_DIR), 'utf8'));

const hex = (s: string): Uint8Array<ArrayBufferLike> =>
  Uint8Array.from(s.trim().split(/\s+/), (h) => parseInt(h, 16));
const empty: Uint8Array = new Uint8Array(0);
const pkt = (seq: number, chan: number, flags: number, opcode: number, payload = empty): Packet => ({
  seq,
  chan,
  flags,
  opcode,
  payload,
});

describe('encodePacket: worked vectors of protocol.md', () => {
  it.each([
    ['SYNC', pkt(0, 0, 0, OPCODE.PROTO_SYNC), 'AA D5 00 00 00 00 00 00 B0 AC'],
    ['SYNC ACK', pkt(0, 0, FLAG.ACK, OPCODE.PROTO_SYNC), 'AA D5 00 00 01 00 00 00 08 46'],
    ['GET_CAPS', pkt(0, 0, 0, OPCODE.PROTO_GET_CAPS), 'AA D5 00 00 00 01 00 00 C3 DD'],
    ['ACK GET_CAPS', pkt(0, 0, FLAG.ACK, OPCODE.PROTO_GET_CAPS), 'AA D5 00 00 01 01 00 00 7B 37'],
    ['SET_CAPS ACK', pkt(1, 0, FLAG.ACK, OPCODE.PROTO_SET_CAPS), 'AA D5 01 00 01 02 00 00 A0 C3'],
    ['CHANNEL_LIST', pkt(2, 0, 0, OPCODE.CHANNEL_LIST), 'AA D5 02 00 00 20 00 00 7B 7F'],
    ['VERSION', pkt(3, 0, 0, OPCODE.PROTO_VERSION), 'AA D5 03 00 00 04 00 00 E1 39'],
    ['SYS_INFO', pkt(4, 0, 0, OPCODE.SYS_INFO), 'AA D5 04 00 00 12 00 00 2D D8'],
    ['POLL', pkt(5, 0, 0, OPCODE.CHANNEL_POLL), 'AA D5 05 00 00 21 00 00 AD C3'],
    [
      'STREAM_RAW_CTRL(0)',
      pkt(6, 3, 0, OPCODE.CHANNEL_IOCTL, encodeIoctl(IOCTL.STREAM_RAW_CTRL, [0])),
      'AA D5 06 03 00 28 08 00 EF B6 01 00 00 00 00 00 00 00 9C F2 1D 8D',
    ],
    [
      'STREAM_CTRL(1)',
      pkt(7, 3, 0, OPCODE.CHANNEL_IOCTL, encodeIoctl(IOCTL.STREAM_CTRL, [1])),
      'AA D5 07 03 00 28 08 00 A1 D1 00 00 00 00 01 00 00 00 D0 42 57 61',
    ],
    [
      'STDIN_RESET',
      pkt(8, 1, 0, OPCODE.CHANNEL_IOCTL, encodeIoctl(IOCTL.STDIN_RESET)),
      'AA D5 08 01 00 28 04 00 C0 44 03 00 00 00 D4 CC 85 B0',
    ],
    [
      'SET_CAPS ack off',
      pkt(
        1,
        0,
        0,
        OPCODE.PROTO_SET_CAPS,
        encodeCaps({ crc: true, seq: true, ack: false, events: true, maxPayload: 4082 }),
      ),
      'AA D5 01 00 00 02 10 00 C8 4F 0B 00 00 00 F2 0F 00 00 00 00 00 00 00 00 00 00 15 2F D8 BB',
    ],
    [
      'caps reply',
      pkt(
        0,
        0,
        FLAG.ACK_REQ,
        OPCODE.PROTO_GET_CAPS,
        encodeCaps({ crc: true, seq: true, ack: true, events: true, maxPayload: 4082 }),
      ),
      'AA D5 00 00 08 01 10 00 EF 0B 0F 00 00 00 F2 0F 00 00 00 00 00 00 00 00 00 00 8D 0E 85 9E',
    ],
    ['stream notify', pkt(7, 3, FLAG.EVENT, OPCODE.CHANNEL_EVENT), 'AA D5 07 03 20 29 00 00 9B 5B'],
    ['stream notify 9', pkt(9, 3, FLAG.EVENT, OPCODE.CHANNEL_EVENT), 'AA D5 09 03 20 29 00 00 9E 39'],
    [
      'stdin running',
      pkt(9, 1, FLAG.EVENT, OPCODE.CHANNEL_EVENT, hex('01 00')),
      'AA D5 09 01 20 29 02 00 B2 8F 01 00 B0 FB 68 82',
    ],
    [
      'soft reboot',
      pkt(9, 0, FLAG.EVENT, OPCODE.SYS_EVENT, hex('02 00')),
      'AA D5 09 00 20 13 02 00 72 A6 02 00 D5 4A 11 C4',
    ],
    [
      'SEQUENCE NAK',
      pkt(2, 0, FLAG.NAK, OPCODE.PROTO_VERSION, hex('06 00')),
      'aa d5 02 00 02 04 02 00 4a 7e 06 00 de 22 81 9a',
    ],
  ])('%s', (_name, p, expected) => {
    expect(Array.from(encodePacket(p))).toEqual(Array.from(hex(expected)));
  });

  it('probe SYNC with 4-byte zero payload', () => {
    expect(Array.from(encodePacket(pkt(0, 0, 0, OPCODE.PROTO_SYNC, new Uint8Array(4))))).toEqual(
      Array.from(hex('AA D5 00 00 00 00 04 00 04 B5 00 00 00 00 75 CA 70 FF')),
    );
  });

  it('CHANNEL_LIST reply of §2.9 (78 bytes)', () => {
    const list = encodeChannelList([
      { id: 0, flags: 0x40, name: 'usb' },
      { id: 1, flags: 0x06, name: 'stdin' },
      { id: 2, flags: 0x01, name: 'stdout' },
      { id: 3, flags: 0x19, name: 'stream' },
    ]);
    const b = encodePacket(pkt(2, 0, 0, OPCODE.CHANNEL_LIST, list));
    expect(b.length).toBe(78);
    expect(Array.from(b.subarray(0, 10))).toEqual(Array.from(hex('AA D5 02 00 00 20 40 00 74 1D')));
    expect(Array.from(b.subarray(74))).toEqual(Array.from(hex('AC 38 BA DF')));
    expect(
      Array.from(encodePacket(pkt(2, 0, FLAG.ACK_REQ, OPCODE.CHANNEL_LIST, list)).subarray(0, 10)),
    ).toEqual(Array.from(hex('AA D5 02 00 08 20 40 00 88 AD')));
    expect(decodeChannelList(list).map((c) => c.name)).toEqual(['usb', 'stdin', 'stdout', 'stream']);
  });

  it('rejects out-of-range fields', () => {
    expect(() => encodePacket(pkt(256, 0, 0, 0))).toThrow(RangeError);
  });
});

describe('payloads', () => {
  it('frame header example of §2.12', () => {
    const h = encodeFrameHeader({
      width: 320,
      height: 240,
      pixformat: 0x06060000,
      size: 12345,
      offset: 32,
      fps: 29.5,
    });
    expect(Array.from(h)).toEqual(
      Array.from(
        hex(
          '40 01 00 00 F0 00 00 00 00 00 06 06 39 30 00 00 20 00 00 00 00 00 EC 41 00 00 00 00 00 00 00 00',
        ),
      ),
    );
    expect(decodeFrameHeader(h)).toEqual({
      width: 320,
      height: 240,
      pixformat: 0x06060000,
      size: 12345,
      offset: 32,
      fps: 29.5,
    });
  });
  it('caps, version, sys info round trips', () => {
    const c = { crc: true, seq: true, ack: false, events: true, maxPayload: 498 };
    expect(decodeCaps(encodeCaps(c))).toEqual(c);
    expect(decodeVersion(hex('01 00 02 01 00 03 05 00 00 00 00 00 00 00 00 00'))).toEqual({
      protocol: [1, 0, 2],
      bootloader: [1, 0, 3],
      firmware: [5, 0, 0],
    });
    const s = {
      cpuId: 0x411fc271,
      uid: [1, 2, 3] as [number, number, number],
      usbVid: 0x37c5,
      usbPid: 0x124a,
      sensorIds: [0x5640, 0, 0] as [number, number, number],
      hwCaps: [0x40070, 0] as [number, number],
      flashKb: 0,
      ramKb: 0,
      framebufferKb: 0,
      streamBufferKb: 1024,
    };
    expect(decodeSysInfo(encodeSysInfo(s))).toEqual(s);
    expect(Array.from(encodeReadRequest(0, 8381))).toEqual(Array.from(hex('00 00 00 00 bd 20 00 00')));
  });
});

function packetsOf(events: ReturnType<PacketParser['push']>): Packet[] {
  return events.flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
}

describe('PacketParser on the golden transcripts', () => {
  for (const name of CHANNEL_TRANSCRIPTS) {
    for (const dir of ['H>D', 'D>H'] as const) {
      it(`${name} ${dir}: every packet, zero errors, any chunking`, () => {
        const t = readTranscript(name);
        const expected = t.lines.filter((l) => l.dir === dir);
        const stream = streamOf(t, dir);
        for (const chunk of [stream.length, 1, 7, 64, 4096]) {
          const parser = new PacketParser({ maxPayload: 4082 });
          const events: ReturnType<PacketParser['push']> = [];
          for (let i = 0; i < stream.length; i += chunk)
            events.push(...parser.push(stream.subarray(i, i + chunk)));
          expect(events.filter((e) => e.kind === 'error')).toEqual([]);
          const got = packetsOf(events);
          expect(got.length).toBe(expected.length);
          got.forEach((p, i) => expect(Array.from(encodePacket(p))).toEqual(Array.from(expected[i]!.bytes)));
          expect(parser.offset).toBe(stream.length);
          expect(parser.pending).toBe(0);
        }
      });
    }
  }
});

describe('PacketParser on damaged streams', () => {
  const t = readTranscript('h7plus.txt');
  const d2h = t.lines.filter((l) => l.dir === 'D>H');
  const stream = streamOf(t, 'D>H');

  it('flipped payload byte: that packet is lost with an error at its PCRC offset, every other packet survives', () => {
    const idx = d2h.findIndex((l) => l.packet.payload.length > 1000);
    const start = d2h.slice(0, idx).reduce((n, l) => n + l.bytes.length, 0);
    const bad = stream.slice();
    bad[start + 100] = bad[start + 100]! ^ 0x01;
    const parser = new PacketParser({ maxPayload: 4082 });
    const events = parser.push(bad);
    const errors = events.filter((e) => e.kind === 'error');
    expect(errors[0]).toMatchObject({
      kind: 'error',
      state: 'PAYLOAD',
      offset: start + 10 + d2h[idx]!.packet.payload.length,
    });
    expect(packetsOf(events).length).toBe(d2h.length - 1);
    expect(formatParseError(errors[0] as never)).toMatch(
      /^offset \d+: byte 0x[0-9A-F]{2} in state PAYLOAD: payload CRC/,
    );
  });

  it('flipped header byte: error at the HCRC offset, resync on the next packet', () => {
    const start = d2h.slice(0, 3).reduce((n, l) => n + l.bytes.length, 0);
    const bad = stream.slice();
    bad[start + 4] = bad[start + 4]! ^ 0x40;
    const parser = new PacketParser({ maxPayload: 4082 });
    const events = parser.push(bad);
    const errors = events.filter((e) => e.kind === 'error');
    expect(errors[0]).toMatchObject({ state: 'HEADER', offset: start + 8, byte: bad[start + 8] });
    expect(packetsOf(events).length).toBe(d2h.length - 1);
  });

  it('garbage between packets is skipped and reported once', () => {
    const a = encodePacket(pkt(0, 0, FLAG.ACK, 0));
    const junk = Uint8Array.from([0x00, 0x11, 0xaa, 0x22, 0xd5, 0x00]);
    const parser = new PacketParser({ maxPayload: 100 });
    const events = parser.push(Uint8Array.from([...junk, ...a, ...a]));
    expect(events.filter((e) => e.kind === 'error')).toEqual([
      { kind: 'error', offset: 0, byte: 0, state: 'SYNC', reason: '6 byte(s) before the sync word skipped' },
    ]);
    expect(packetsOf(events).length).toBe(2);
  });

  it('a huge length field is rejected before anything waits for it, and memory stays bounded', () => {
    const h = encodePacket(pkt(0, 3, 0, OPCODE.CHANNEL_READ, new Uint8Array(200)));
    const parser = new PacketParser({ maxPayload: 100 });
    const events = parser.push(h);
    expect(events[0]).toMatchObject({
      kind: 'error',
      state: 'HEADER',
      offset: 6,
      reason: 'length 200 > max payload 100',
    });
    expect(parser.pending).toBeLessThanOrEqual(114);
    // A forged header claiming 65535 bytes with a valid CRC.
    const forged = encodePacket(pkt(1, 3, 0, OPCODE.CHANNEL_READ, new Uint8Array(0)));
    forged[6] = 0xff;
    forged[7] = 0xff;
    const p2 = new PacketParser({ maxPayload: 4082 });
    const ev2 = p2.push(Uint8Array.from([...forged, ...new Uint8Array(10000)]));
    expect(ev2.some((e) => e.kind === 'error' && e.state === 'HEADER')).toBe(true);
    expect(p2.pending).toBeLessThanOrEqual(4096);
  });

  it('truncated stream: waits, then completes when the rest arrives; offsets stay absolute', () => {
    const parser = new PacketParser({ maxPayload: 4082 });
    const cut = 5000;
    const first = parser.push(stream.subarray(0, cut));
    expect(first.every((e) => e.kind === 'packet')).toBe(true);
    const second = parser.push(stream.subarray(cut));
    expect(packetsOf([...first, ...second]).length).toBe(d2h.length);
    expect(parser.offset).toBe(stream.length);
  });

  it('random mutations never throw and never buffer more than one max packet', () => {
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    for (let round = 0; round < 30; round++) {
      const bad = stream.slice();
      for (let k = 0; k < 20; k++) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
      const parser = new PacketParser({ maxPayload: 4082 });
      let good = 0;
      for (let i = 0; i < bad.length; i += 333) {
        const evs = parser.push(bad.subarray(i, i + 333));
        good += packetsOf(evs).length;
        expect(parser.pending).toBeLessThanOrEqual(4096);
      }
      expect(good).toBeGreaterThan(d2h.length - 25);
    }
  });

  it('status codes', () => {
    expect(STATUS.BUSY).toBe(4);
    expect(STATUS.SEQUENCE).toBe(6);
  });
});
