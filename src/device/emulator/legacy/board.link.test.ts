/** Host session ↔ emulated legacy board over an in-memory linkPair, both framings, real timers. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../format/clock';
import { PIXFORMAT } from '../../../format/pixformat';
import type { CameraFrame } from '../../protocol/camera';
import { linkPair } from '../../protocol/link';
import { openLegacySession } from '../../protocol/legacy/session';
import { command, frameLayout, u32 } from '../../protocol/legacy/wire';
import { LegacyBoard, type LegacyBoardFrame } from './board';
import { syntheticJpeg } from './test-frames';

function frameSequence(): LegacyBoardFrame[] {
  const gray = new Uint8Array(40 * 30).map((_, i) => i & 255);
  const rgb = new Uint8Array(16 * 8 * 2).map((_, i) => (i * 7) & 255);
  const bin = new Uint8Array(Math.ceil(40 / 32) * 4 * 10).map((_, i) => (i * 13) & 255);
  return [
    { width: 320, height: 240, pixformat: PIXFORMAT.JPEG, data: syntheticJpeg(320, 240, 9000, 0x11) },
    { width: 320, height: 240, pixformat: PIXFORMAT.JPEG, data: syntheticJpeg(320, 240, 9088, 0x22) }, // 142×64
    { width: 40, height: 30, pixformat: PIXFORMAT.GRAYSCALE, data: gray },
    { width: 16, height: 8, pixformat: PIXFORMAT.RGB565, data: rgb }, // 256 B: multiple of 64
    { width: 40, height: 10, pixformat: PIXFORMAT.BINARY, data: bin },
    { width: 160, height: 120, pixformat: PIXFORMAT.JPEG, data: syntheticJpeg(160, 120, 2049, 0x33) },
  ];
}

async function take(it: AsyncIterator<CameraFrame>, n: number): Promise<CameraFrame[]> {
  const out: CameraFrame[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** Re-checks `cond` every few ms until it holds (no deadline: the test's timeout guards a hang). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe.each(['stm32', 'tinyusb'] as const)('host ↔ legacy board (%s)', (framing) => {
  it('handshake, script output, byte-identical frames at ≤ 20 Hz, stop', async () => {
    const [host, device] = linkPair();
    const seq = frameSequence();
    const produced: LegacyBoardFrame[] = [];
    const lockedAt: number[] = [];
    const board = new LegacyBoard({
      framing,
      frameSource: () => {
        const f = seq[produced.length % seq.length]!;
        produced.push(f);
        lockedAt.push(performance.now());
        return f;
      },
    });
    board.openPort();
    board.attach(device);
    const cam = await openLegacySession(host, { pollIntervalMs: 5 });
    expect(cam.info.firmware).toBe('4.8.1');
    expect(cam.info.board).toMatch(framing === 'stm32' ? /^OMV4 H7/ : /^OMVRT1060/);
    let text = '';
    cam.onOutput((t) => (text += t));
    const states: string[] = [];
    cam.onState((s) => states.push(s));

    await cam.runScript(
      'import sensor\nprint("hello from the board")\nprint("ünïcödé ✓")\nwhile True:\n    pass\n',
    );
    expect(board.running).toBe(true);
    const iter = cam.frames()[Symbol.asyncIterator]();
    const frames = await take(iter, seq.length);
    expect(frames.length).toBe(seq.length);
    frames.forEach((f, i) => {
      const src = produced[i]!;
      expect([f.width, f.height, f.pixformat]).toEqual([src.width, src.height, src.pixformat]);
      expect(f.data).toEqual(src.data);
      expect(f.seq).toBe(i);
    });
    // the firmware's 20 Hz limit: GET_STATE reports (locks) frames at least 50 ms apart
    for (let i = 1; i < lockedAt.length; i++)
      expect(lockedAt[i]! - lockedAt[i - 1]!).toBeGreaterThanOrEqual(49.5);
    await until(() => text.includes('ünïcödé ✓\r\n'));
    expect(text).toContain('hello from the board\r\n');
    expect(text).toContain('ünïcödé ✓\r\n');
    expect(states).toContain('running');

    await cam.stopScript();
    expect(board.running).toBe(false);
    expect(states.at(-1)).toBe('idle');
    await until(() => text.includes('KeyboardInterrupt'));
    const before = cam.stats().frames;
    await new Promise((r) => setTimeout(r, 120));
    expect(cam.stats().frames).toBe(before); // no script, no frames
    expect(cam.stats()).toMatchObject({ corrupt: 0, dropped: 0 });
    expect(cam.stats().receivedFps).toBeGreaterThan(0);
    expect(cam.stats().receivedFps).toBeLessThanOrEqual(21);

    // a new script may be run after a stop
    await cam.runScript('print("again")\nwhile True:\n    pass\n');
    const more = await take(iter, 1);
    expect(more.length).toBe(1);
    await cam.close();
    expect((await iter.next()).done).toBe(true);
  });

  it('old firmware (< 4.5.6): FRAME_SIZE / FRAME_DUMP + TX_BUF polling', async () => {
    const [host, device] = linkPair();
    const seq = frameSequence();
    let n = 0;
    const board = new LegacyBoard({
      framing,
      firmware: [4, 4, 0],
      frameSource: () => seq[n++ % seq.length]!,
    });
    board.attach(device);
    const cam = await openLegacySession(host, { pollIntervalMs: 5 });
    let text = '';
    cam.onOutput((t) => (text += t));
    await cam.runScript('print("old firmware")\nwhile True:\n    pass\n');
    const frames = await take(cam.frames()[Symbol.asyncIterator](), 3);
    expect(frames.map((f) => f.data)).toEqual(seq.slice(0, 3).map((f) => f.data));
    await until(() => text.includes('old firmware\r\n'));
    await cam.close();
  });

  it('a blocked board makes the session report a reopen-at-another-baud recovery', async () => {
    const [host, device] = linkPair();
    const board = new LegacyBoard({ framing, frameSource: () => null });
    board.attach(device);
    // the pattern spec §1.3 forbids: a bare zero-length PROTO_SYNC (TinyUSB keeps 4 bytes for ever); on STM32
    // an FB_ENABLE header whose data never comes has the same effect (the next command is taken as data)
    if (framing === 'tinyusb') board.write(Uint8Array.from([0xaa, 0xd5, 0, 0, 0, 0, 0, 0, 0xb0, 0xac]));
    else board.write(command(0x0d, 4 + 100));
    await expect(openLegacySession(host, { readTimeoutMs: 100 })).rejects.toThrow(/reopen-other-baud/);
    // recovery as documented: another baud, then 921600
    board.setBaud(9600);
    board.setBaud(921600);
    const [host2, device2] = linkPair();
    board.attach(device2);
    const cam = await openLegacySession(host2, { readTimeoutMs: 200 });
    expect(cam.info.firmware).toBe('4.8.1');
    await cam.close();
  });
});

describe('corrupt frames', () => {
  it('are counted and not delivered: SOF size mismatch, missing SOI/EOI; the lock is still released', async () => {
    const [host, device] = linkPair();
    const bad = [
      { width: 320, height: 240, pixformat: PIXFORMAT.JPEG, data: syntheticJpeg(160, 120, 5000) }, // SOF says 160x120
      {
        width: 320,
        height: 240,
        pixformat: PIXFORMAT.JPEG,
        data: syntheticJpeg(320, 240, 5000).fill(0, 0, 2),
      }, // no SOI
      {
        width: 320,
        height: 240,
        pixformat: PIXFORMAT.JPEG,
        data: syntheticJpeg(320, 240, 5000).fill(0, 4990),
      }, // no EOI
    ];
    const good = { width: 320, height: 240, pixformat: PIXFORMAT.JPEG, data: syntheticJpeg(320, 240, 5001) };
    let n = 0;
    const board = new LegacyBoard({ framing: 'stm32', frameSource: () => bad[n++] ?? good });
    board.attach(device);
    const cam = await openLegacySession(host, { pollIntervalMs: 5 });
    await cam.runScript('while True:\n    pass\n');
    const [first] = await take(cam.frames()[Symbol.asyncIterator](), 1);
    expect(first!.data).toEqual(good.data);
    expect(cam.stats().corrupt).toBe(3);
    expect(cam.stats().errors.join('\n')).toMatch(/JPEG is 160x120/);
    await cam.close();
  });
});

describe('frame size encoding (protocol.md §3.3)', () => {
  it('maps size to pixformat and byte count', () => {
    expect(frameLayout(320, 240, 9000)).toMatchObject({ pixformat: PIXFORMAT.JPEG, bytes: 9000 });
    expect(frameLayout(320, 240, 3)).toMatchObject({ pixformat: PIXFORMAT.JPEG, bytes: 3 });
    expect(frameLayout(320, 240, 1)).toMatchObject({ pixformat: PIXFORMAT.GRAYSCALE, bytes: 76800 });
    expect(frameLayout(320, 240, 2)).toMatchObject({
      pixformat: PIXFORMAT.RGB565,
      bytes: 153600,
      byteReversed: false,
    });
    expect(frameLayout(33, 2, 0)).toMatchObject({ pixformat: PIXFORMAT.BINARY, bytes: 16 });
    expect(frameLayout(0, 0, 0)).toBeNull();
    // firmware < 4.1.3
    expect(frameLayout(320, 240, 3, true)).toMatchObject({ pixformat: PIXFORMAT.BAYER_BGGR, bytes: 76800 });
    expect(frameLayout(320, 240, 2, true)).toMatchObject({ byteReversed: true });
    expect(frameLayout(320, 240, 4, true)).toMatchObject({ pixformat: PIXFORMAT.JPEG, bytes: 4 });
  });
});

describe('board details', () => {
  it('GET_STATE reports a frame at most every 50 ms and holds the lock until FRAME_DUMP', () => {
    const clock = new ManualClock(1000);
    const board = new LegacyBoard({
      framing: 'tinyusb',
      clock,
      frameSource: () => ({
        width: 8,
        height: 8,
        pixformat: PIXFORMAT.GRAYSCALE,
        data: new Uint8Array(64).fill(7),
      }),
    });
    const got: Uint8Array[] = [];
    board.onTx = (b) => got.push(b);
    board.write(command(0x0d, 4));
    board.write(u32(1));
    board.write(command(0x05, 20));
    board.write(Uint8Array.from(Array.from('while True:\n  pass\n\n', (c) => c.charCodeAt(0))));
    const flags = (): number => {
      board.write(command(0x93, 63));
      return got.at(-1)![0]!;
    };
    expect(flags() & 4).toBe(4);
    expect(flags() & 4).toBe(0); // locked, not dumped
    board.write(command(0x82, 65));
    expect(got.at(-1)!.length).toBe(65);
    clock.advance(20);
    expect(flags() & 4).toBe(0); // < 50 ms since the last report
    clock.advance(31);
    expect(flags() & 4).toBe(4);
  });
});
