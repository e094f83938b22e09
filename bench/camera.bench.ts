/**
 * Camera link throughput: the host session (`connectCamera`) reading the emulated board over each link-speed model,
 * with the board pushing pre-compressed QVGA JPEGs as fast as the stream takes them (the `img.flush()` link
 * benchmark of protocol.md §4/§5.1). Figures: frames/s and bytes/s delivered host-side against the link's capacity
 * (target ≥ 90 % for QVGA JPEG), and process CPU time per frame (host session + emulator share the process).
 * Then the CPU split: the same cases with the emulator on a worker thread (bench/camera-thread.ts), each thread's own
 * CPU time per frame: the host session's share (main thread), the emulator's (worker), and the rest (V8/libuv helper
 * threads: GC, compilers). Real time (systemClock), a few seconds per case.
 */
import { Worker } from 'node:worker_threads';
import { connectCamera } from '../src/device/protocol/camera';
import {
  createDemoCamera,
  FLUSH_LOOP_PY,
  ReplaySource,
  type BoardModel,
  type LinkSpeed,
} from '../src/device/emulator/index';
import { encodePacket, FLAG, OPCODE, PacketParser, type Packet } from '../src/device/protocol/packet';
import { emulatorLink, qvgaFrames, threadCpuMs, type EmulatorJob } from './camera-thread';
import type { Suite } from './harness';

const RUN_MS = 2500;
/** Bytes on the wire per frame beyond the frame itself: headers + CRCs of the 4 requests/replies and fragments. */
function wireBytes(total: number, maxPayload: number): number {
  const fragments = Math.ceil(total / maxPayload);
  return total + fragments * 14 + 4 * 10 + 3 * 14 + 10 + 4 * 14;
}

async function runCase(
  model: BoardModel,
  link: LinkSpeed,
  frames: ReturnType<typeof qvgaFrames>,
): Promise<void> {
  const demo = createDemoCamera({
    model,
    link,
    source: new ReplaySource(frames, 1000),
    mainPy: FLUSH_LOOP_PY,
  });
  const cam = await connectCamera(demo.hostLink);
  const it = cam.frames()[Symbol.asyncIterator]();
  // warm-up: the first frame
  await Promise.race([it.next(), new Promise((r) => setTimeout(r, 2000))]);
  const s0 = cam.stats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  let payload = 0;
  let wire = 0;
  const maxPayload = cam.info.maxPayload ?? 4082;
  for (;;) {
    const left = t0 + RUN_MS - performance.now();
    if (left <= 0) break;
    const r = await Promise.race([it.next(), new Promise<null>((res) => setTimeout(() => res(null), left))]);
    if (!r || r.done) break;
    n++;
    payload += r.value.data.length + 32;
    wire += wireBytes(r.value.data.length + 32, maxPayload);
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const s1 = cam.stats();
  await it.return?.();
  await cam.close();
  demo.stop();
  const cap = demo.bytesPerSecond;
  const bps = payload / secs;
  const share = Number.isFinite(cap)
    ? ` = ${((100 * wire) / secs / cap).toFixed(1)} % of link (wire bytes; frame bytes ${((100 * bps) / cap).toFixed(1)} %)`
    : '';
  const verdict = Number.isFinite(cap)
    ? wire / secs / cap >= 0.9
      ? '  target >= 90 %: met'
      : '  target >= 90 %: NOT met'
    : '';
  console.log(
    `${model} ${link}: ${(n / secs).toFixed(1)} frames/s, ${(bps / 1e6).toFixed(2)} MB/s of frames${share}${verdict}; ` +
      `CPU ${((cpu.user + cpu.system) / 1000 / Math.max(1, n)).toFixed(2)} ms/frame (host + emulator); ` +
      `dropped ${s1.dropped - s0.dropped}, corrupt ${s1.corrupt - s0.corrupt}, errors ${s1.errors.length}`,
  );
}

export const suite: Suite = {
  name: 'camera',
  async run() {
    const frames = qvgaFrames(8);
    const avg = frames.reduce((a, f) => a + f.jpeg.length, 0) / frames.length;
    console.log(`QVGA JPEG frames: ${frames.length}, average ${Math.round(avg)} bytes`);
    await runCase('H7', 'full-speed', frames);
    await runCase('H7 Plus', 'full-speed', frames);
    await runCase('N6', 'high-speed', frames);
    await runCase('H7 Plus', 'unlimited', frames);
    // Larger QVGA JPEGs (q 95): a frame takes longer on a full-speed wire than the 10 ms lock spacing, so the
    // link, not the spacing, is the bound.
    const big = qvgaFrames(8, 95);
    const bigAvg = big.reduce((a, f) => a + f.jpeg.length, 0) / big.length;
    console.log(`QVGA JPEG frames at q95: average ${Math.round(bigAvg)} bytes`);
    await runCase('H7', 'full-speed', big);
    await runCase('H7 Plus', 'full-speed', big);
    await referenceReader('H7', 'full-speed', frames);
    await referenceReader('H7 Plus', 'full-speed', frames);
    await referenceReader('N6', 'high-speed', frames);
    await referenceReader('H7 Plus', 'unlimited', frames);
    console.log(
      'CPU split: emulator on a worker thread, host session on the main thread (per-thread CPU time)',
    );
    await splitCase({ model: 'H7', link: 'full-speed', frames: 8, quality: 70 });
    await splitCase({ model: 'H7 Plus', link: 'full-speed', frames: 8, quality: 70 });
    await splitCase({ model: 'N6', link: 'high-speed', frames: 8, quality: 70 });
    await splitCase({ model: 'H7 Plus', link: 'unlimited', frames: 8, quality: 70 });
    await splitCase({ model: 'H7 Plus', link: 'full-speed', frames: 8, quality: 95 });
  },
};

const WORKER = new URL('./camera-thread.worker.mjs', import.meta.url);

/**
 * One case with the emulator on its own thread. The link bytes cross threads as messages (one copy each way, like
 * a serial read), so frames/s can differ a little from the same-thread run; the host's CPU includes receiving them.
 */
async function splitCase(job: EmulatorJob): Promise<void> {
  const mainCpu0 = threadCpuMs();
  if (mainCpu0 === null) {
    console.log('  (no per-thread CPU time on this OS: /proc/thread-self/schedstat is missing)');
    return;
  }
  const worker = new Worker(WORKER, { workerData: job });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  const link = emulatorLink(worker);
  try {
    const cam = await Promise.race([connectCamera(link), failed]);
    const it = cam.frames()[Symbol.asyncIterator]();
    await Promise.race([it.next(), failed]); // warm-up: the first frame
    const host0 = threadCpuMs()!;
    const emu0 = await link.cpuMs();
    const proc0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    for (;;) {
      const left = t0 + RUN_MS - performance.now();
      if (left <= 0) break;
      const r = await Promise.race([
        it.next(),
        new Promise<null>((res) => setTimeout(() => res(null), left)),
      ]);
      if (!r || r.done) break;
      n++;
    }
    const secs = (performance.now() - t0) / 1000;
    const host = threadCpuMs()! - host0;
    const emu1 = await link.cpuMs();
    const proc = process.cpuUsage(proc0);
    const total = (proc.user + proc.system) / 1000;
    const emu = emu0 !== null && emu1 !== null ? emu1 - emu0 : NaN;
    const per = (ms: number): string => (ms / Math.max(1, n)).toFixed(2);
    console.log(
      `${job.model} ${job.link} q${job.quality}: ${(n / secs).toFixed(1)} frames/s; CPU ms/frame: host session ${per(host)}, ` +
        `emulator ${per(emu)}, other threads ${per(Math.max(0, total - host - emu))}, process ${per(total)}; ` +
        `host ${((100 * host) / 1000 / secs).toFixed(0)} % of a core`,
    );
    await it.return?.();
    await cam.close();
  } finally {
    await worker.terminate();
  }
}

/**
 * A minimal reader written from protocol.md §2.16/§2.17 (LOCK no sooner than 10 ms after the previous lock, on
 * NAK BUSY retry after 1 ms; SIZE; READ; UNLOCK), ACK off. It shows what the emulator + link model can deliver independently of the app's
 * session, so a shortfall can be placed on the right side.
 */
async function referenceReader(
  model: BoardModel,
  link: LinkSpeed,
  frames: ReturnType<typeof qvgaFrames>,
): Promise<void> {
  const demo = createDemoCamera({
    model,
    link,
    source: new ReplaySource(frames, 1000),
    mainPy: FLUSH_LOOP_PY,
  });
  const parser = new PacketParser({ maxPayload: 0xffff });
  let seq = 0;
  let waiter: ((p: Packet) => void) | null = null;
  let parts: Uint8Array[] = [];
  demo.hostLink.listen(
    (b) => {
      for (const e of parser.push(b)) {
        if (e.kind !== 'packet') continue;
        const p = e.packet;
        if (p.flags & FLAG.EVENT) continue;
        seq = (p.seq + 1) & 0xff;
        if (p.flags & FLAG.FRAGMENT) {
          parts.push(p.payload);
          continue;
        }
        if (parts.length) {
          parts.push(p.payload);
          const all = new Uint8Array(parts.reduce((a, x) => a + x.length, 0));
          let o = 0;
          for (const x of parts) {
            all.set(x, o);
            o += x.length;
          }
          parts = [];
          p.payload = all;
        }
        const w = waiter;
        waiter = null;
        w?.(p);
      }
    },
    () => undefined,
  );
  const req = (opcode: number, chan = 0, payload: Uint8Array = new Uint8Array(0)): Promise<Packet> =>
    new Promise<Packet>((resolve) => {
      waiter = resolve;
      void demo.hostLink.send(encodePacket({ seq, chan, flags: 0, opcode, payload }));
    });
  const u32s = (...v: number[]): Uint8Array => {
    const b = new Uint8Array(v.length * 4);
    v.forEach((x, i) => new DataView(b.buffer).setUint32(i * 4, x, true));
    return b;
  };
  await req(OPCODE.PROTO_SYNC);
  seq = 0;
  const caps = u32s(0x0b, demo.board.profile.maxPayload, 0, 0);
  await req(OPCODE.PROTO_SET_CAPS, 0, caps);
  await req(OPCODE.CHANNEL_IOCTL, 3, u32s(1, 0));
  await req(OPCODE.CHANNEL_IOCTL, 3, u32s(0, 1));
  const t0 = performance.now();
  let n = 0;
  let bytes = 0;
  let lastLock = -Infinity;
  while (performance.now() - t0 < RUN_MS) {
    // The board refuses a LOCK within 10 ms of the previous one (§2.12): wait out the remainder, not a full 10 ms.
    const since = performance.now() - lastLock;
    if (since < 10.2) await new Promise((r) => setTimeout(r, 10.2 - since));
    const lock = await req(OPCODE.CHANNEL_LOCK, 3);
    if (lock.flags & FLAG.NAK) {
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    lastLock = performance.now();
    const size = await req(OPCODE.CHANNEL_SIZE, 3);
    const total = new DataView(size.payload.buffer, size.payload.byteOffset).getUint32(0, true);
    if (total) {
      const r = await req(OPCODE.CHANNEL_READ, 3, u32s(0, total));
      if (!(r.flags & FLAG.NAK)) {
        n++;
        bytes += r.payload.length;
      }
    }
    await req(OPCODE.CHANNEL_UNLOCK, 3);
  }
  const secs = (performance.now() - t0) / 1000;
  demo.stop();
  await demo.hostLink.close();
  const cap = demo.bytesPerSecond;
  console.log(
    `reference reader, ${model} ${link}: ${(n / secs).toFixed(1)} frames/s, ${(bytes / secs / 1e6).toFixed(2)} MB/s of frames` +
      (Number.isFinite(cap) ? ` = ${((100 * bytes) / secs / cap).toFixed(1)} % of link` : ''),
  );
}
