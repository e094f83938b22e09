import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectCamera, type CameraFrame } from './camera';
import { openChannelSession } from './channel-session';
import { linkPair } from './link';
import { encodePacket, FLAG, OPCODE, type Packet } from './packet';
import { decodeFrameHeader } from './payloads';
import { CHANNEL_TRANSCRIPTS, parseTranscript, type Transcript } from './test/transcript';
import { TranscriptDevice } from './test/transcript-device';
import { utf8Decode } from './utf8';

const TRANSCRIPT_DIR = new URL('../../../../shared/spec/transcripts/', import.meta.url);
const readTranscript = (name: string): Transcript =>
  parseTranscript(name, readFileSync(new URL(name, TRANSCRIPT_DIR), 'utf8'));

const hexOf = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** What the transcript says the host got: frames (header + JPEG) and the stdout text. */
function expectations(t: Transcript): { frames: Uint8Array[]; stdout: string; count: number } {
  const dev = new TranscriptDevice(t);
  const result = t.run.find((r) => r.startsWith('RESULT'))!;
  return {
    frames: dev.frames,
    stdout: utf8Decode(dev.stdoutText),
    count: Number(/OK (\d+) frames/.exec(result)![1]),
  };
}

async function collect(frames: AsyncIterable<CameraFrame>, n: number): Promise<CameraFrame[]> {
  const out: CameraFrame[] = [];
  for await (const f of frames) {
    out.push(f);
    if (out.length === n) break;
  }
  return out;
}

/** Re-checks `cond` every couple of ms until it holds (no deadline: the test's timeout guards a hang). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

function ackOn(t: Transcript): boolean {
  const set = t.lines.find((l) => l.dir === 'H>D' && l.packet.opcode === OPCODE.PROTO_SET_CAPS)!;
  return (set.packet.payload[0]! & 0x04) !== 0;
}

/** H>D packets of the transcript up to and including the last handshake request before the first event. */
function handshakeHostPackets(t: Transcript, lastOpcode: number, lastChan = 0, nth = 1): Uint8Array[] {
  const out: Uint8Array[] = [];
  let seen = 0;
  for (let i = 0; i < t.lines.length; i++) {
    const l = t.lines[i]!;
    if (l.dir !== 'H>D') continue;
    out.push(l.bytes);
    if (
      l.packet.opcode === lastOpcode &&
      l.packet.chan === lastChan &&
      !(l.packet.flags & FLAG.ACK) &&
      ++seen === nth
    ) {
      // include the ACK that follows its reply, if any
      for (let j = i + 1; j < t.lines.length; j++) {
        const n = t.lines[j]!;
        if (n.dir === 'H>D') {
          if (n.packet.flags === FLAG.ACK && n.packet.opcode === lastOpcode) out.push(n.bytes);
          break;
        }
      }
      return out;
    }
  }
  return out;
}

function hostPackets(dev: TranscriptDevice): Uint8Array[] {
  return dev.received.map((p: Packet) => encodePacket(p));
}

describe('channel session against the golden transcripts', () => {
  for (const name of CHANNEL_TRANSCRIPTS.filter((n) => !n.includes('cli12'))) {
    it(`${name}: handshake bytes, frames and stdout`, async () => {
      const t = readTranscript(name);
      const exp = expectations(t);
      const [host, device] = linkPair({ chunkBytes: 64 });
      const dev = new TranscriptDevice(t);
      dev.attach(device);
      const cam = await openChannelSession(host, { ackOff: !ackOn(t) });
      const text: string[] = [];
      cam.onOutput((s) => text.push(s));
      const frames = await collect(cam.frames(), exp.count);
      await until(() => text.join('') === exp.stdout);

      // The host's bytes up to STREAM_CTRL(1) are the transcript's, byte for byte (ACKs included when ACK is on).
      const want = handshakeHostPackets(t, OPCODE.CHANNEL_IOCTL, 3, 2).map(hexOf);
      expect(hostPackets(dev).slice(0, want.length).map(hexOf)).toEqual(want);
      // ...and the fake device's answers to them are the transcript's D>H bytes (it re-encodes the same packets).
      const lastReq = t.lines.findIndex((l) => hexOf(l.bytes) === want[want.length - 1]);
      const d2h = t.lines
        .slice(0, lastReq + 2)
        .filter((l) => l.dir === 'D>H' && !(l.packet.flags & FLAG.EVENT));
      expect(dev.sent.slice(0, d2h.length).map((p) => hexOf(encodePacket(p)))).toEqual(
        d2h.map((l) => hexOf(l.bytes)),
      );

      expect(frames.length).toBe(exp.count);
      frames.forEach((f, i) => {
        const buf = exp.frames[i]!;
        const h = decodeFrameHeader(buf);
        expect(f.width).toBe(320);
        expect(f.height).toBe(240);
        expect(f.pixformat).toBe(0x06060000);
        expect(f.size).toBe(h.size);
        expect(hexOf(f.data)).toBe(hexOf(buf.subarray(32)));
        expect(f.cameraFps).toBeCloseTo(h.fps!, 3);
      });
      expect(text.join('')).toBe(exp.stdout);
      expect(cam.info).toMatchObject({
        protocol: 'channel',
        firmware: '5.0.0',
        channels: ['usb', 'stdin', 'stdout', 'stream'],
      });
      expect(cam.info.maxPayload).toBe(name.startsWith('h7plus') ? 4082 : 498);
      expect(cam.info.board).toContain(name.startsWith('h7plus') ? 'H7 Plus' : 'OpenMV Cam H7 (37C5:1204)');
      const st = cam.stats();
      expect(st).toMatchObject({ frames: exp.count, corrupt: 0, dropped: 0, errors: [] });
      expect(dev.problems).toEqual([]);
      await until(() => dev.unacked.size === 0);
      await cam.close();
    });
  }

  it('h7plus-cli12.txt: stop, upload and run the transcript script, 12 frames and the script output', async () => {
    const t = readTranscript('h7plus-cli12.txt');
    const exp = expectations(t);
    const write = t.lines.find((l) => l.dir === 'H>D' && l.packet.opcode === OPCODE.CHANNEL_WRITE)!;
    const source = utf8Decode(write.packet.payload.subarray(8));
    const [host, device] = linkPair();
    const dev = new TranscriptDevice(t);
    dev.attach(device);
    const cam = await openChannelSession(host, { ackOff: false });
    const want = handshakeHostPackets(t, OPCODE.SYS_INFO).map(hexOf);
    expect(hostPackets(dev).map(hexOf)).toEqual(want);
    const text: string[] = [];
    cam.onOutput((s) => text.push(s));
    const it = cam.frames();
    await cam.runScript(source);
    expect(utf8Decode(dev.script)).toBe(source);
    // The WRITE carrying the script is byte-identical to the transcript's apart from the SEQ byte and header CRC.
    const w = dev.received.find((p) => p.opcode === OPCODE.CHANNEL_WRITE)!;
    expect(hexOf(w.payload)).toBe(hexOf(write.packet.payload));
    const frames = await collect(it, exp.count);
    expect(frames.length).toBe(12);
    frames.forEach((f, i) => expect(hexOf(f.data)).toBe(hexOf(exp.frames[i]!.subarray(32))));
    await until(() => text.join('') === exp.stdout);
    expect(dev.problems).toEqual([]);
    expect(cam.stats().corrupt).toBe(0);
    await cam.close();
  });
});

describe('channel session recovery', () => {
  it('a corrupted fragment: CRC error recorded as "offset N: byte 0xXX in state S", resync, frames continue', async () => {
    const t = readTranscript('h7plus-noack.txt');
    const exp = expectations(t);
    let hit = false;
    const dev = new TranscriptDevice(t, {
      mutate: (b) => {
        if (!hit && b.length > 4000) {
          hit = true;
          const c = b.slice();
          c[2000] = c[2000]! ^ 0xff;
          return c;
        }
        return b;
      },
    });
    const [host, device] = linkPair();
    dev.attach(device);
    const cam = await openChannelSession(host, { ackOff: true, replyTimeoutMs: 100 });
    const states: string[] = [];
    cam.onState((s) => states.push(s));
    const frames = await collect(cam.frames(), exp.count);
    // The READ with the bad fragment times out, the session resyncs (SYNC releases the lock, the frame stays) and
    // reads the same frame again: every frame arrives intact, in order.
    expect(frames.length).toBe(exp.count);
    frames.forEach((f, i) => expect(hexOf(f.data)).toBe(hexOf(exp.frames[i]!.subarray(32))));
    const st = cam.stats();
    expect(st.dropped).toBe(0);
    expect(
      st.errors.some((e) => /^offset \d+: byte 0x[0-9A-F]{2} in state PAYLOAD: payload CRC/.test(e)),
    ).toBe(true);
    expect(states).toContain('recovering');
    expect(st.corrupt).toBe(0);
    await cam.close();
    expect(states.at(-1)).toBe('disconnected');
  });

  it('ACK on: RTX duplicates are re-ACKed and dropped, every ACK_REQ packet is ACKed', async () => {
    const t = readTranscript('h7.txt');
    const exp = expectations(t);
    const dev = new TranscriptDevice(t, { rtxEvery: 3 });
    const [host, device] = linkPair({ chunkBytes: 64 });
    dev.attach(device);
    const cam = await openChannelSession(host, { ackOff: false });
    const frames = await collect(cam.frames(), exp.count);
    frames.forEach((f, i) => expect(hexOf(f.data)).toBe(hexOf(exp.frames[i]!.subarray(32))));
    await until(() => dev.unacked.size === 0);
    expect(dev.rtxSent).toBeGreaterThan(5);
    expect(dev.problems.filter((p) => !p.startsWith('host ACKed'))).toEqual([]);
    // each RTX copy drew a second ACK of the same SEQ/opcode
    expect(dev.problems.filter((p) => p.startsWith('host ACKed')).length).toBe(dev.rtxSent);
    expect(cam.stats().errors).toEqual([]);
    await cam.close();
  });

  it('a frame whose JPEG lacks its EOI is counted corrupt and not delivered', async () => {
    const t = readTranscript('h7plus-noack.txt');
    const dev = new TranscriptDevice(t);
    const f0 = dev.frames[0]!.slice();
    f0[f0.length - 1] = 0x00;
    dev.frames[0] = f0;
    const [host, device] = linkPair();
    dev.attach(device);
    const cam = await openChannelSession(host, {});
    const frames = await collect(cam.frames(), 2);
    expect(frames.length).toBe(2);
    expect(cam.stats().corrupt).toBe(1);
    expect(cam.stats().errors.some((e) => e.includes('EOI'))).toBe(true);
    await cam.close();
  });

  it('frames() ends when the link goes away', async () => {
    const t = readTranscript('h7plus-noack.txt');
    const dev = new TranscriptDevice(t);
    const [host, device] = linkPair();
    dev.attach(device);
    const cam = await openChannelSession(host, {});
    const all = collect(cam.frames(), 100);
    await until(() => dev.remainingFrames === 0);
    await device.close();
    expect((await all).length).toBe(3);
  });
});

describe('connectCamera', () => {
  it('probes with four 6-byte writes, then opens the channel session', async () => {
    const t = readTranscript('h7plus.txt');
    const dev = new TranscriptDevice(t);
    const [host, device] = linkPair();
    const writes: Uint8Array[] = [];
    const spy = { ...host, send: (b: Uint8Array) => (writes.push(b.slice()), host.send(b)) };
    spy.listen = host.listen.bind(host);
    spy.close = host.close.bind(host);
    dev.attach(device);
    const cam = await connectCamera(spy);
    expect(writes.slice(0, 4).map(hexOf)).toEqual([
      '30 87 04 00 00 00',
      'aa d5 00 00 00 00',
      '04 00 04 b5 00 00',
      '00 00 75 ca 70 ff',
    ]);
    expect(cam.info.protocol).toBe('channel');
    expect(cam.info.firmware).toBe('5.0.0');
    // ACK negotiated off by default (USB).
    const setCaps = dev.received.find((p) => p.opcode === OPCODE.PROTO_SET_CAPS)!;
    expect(setCaps.payload[0]).toBe(0x0b);
    await cam.close();
  });

  it('reports an unknown device', async () => {
    const [host, device] = linkPair();
    device.listen(
      () => void device.send(Uint8Array.of(9, 9, 9, 9)),
      () => undefined,
    );
    await expect(connectCamera(host, { probeTimeoutMs: 200 })).rejects.toThrow(/not an OpenMV camera/);
  });

  it('transcripts are read completely', () => {
    for (const name of CHANNEL_TRANSCRIPTS) {
      const raw = readFileSync(new URL(name, TRANSCRIPT_DIR), 'utf8');
      const n = raw.split('\n').filter((l) => /^\s*-?\d+\.\d+ (H>D|D>H) /.test(l)).length;
      expect(readTranscript(name).lines.length).toBe(n);
    }
  });
});
