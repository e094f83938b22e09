/**
 * One side of the cross-thread ring bench (bench/ring.bench.ts), run on a worker thread through
 * src/ring/test/ring-thread.fixture.mjs. Rounds are driven through a small shared control block, so
 * the main thread times them with no message passing in the loop: it stores a round number in
 * CTL_ROUND, the writer writes `frames` frames, the reader consumes them and stores the round in CTL_DONE.
 */
import { FrameRing, RingReader, RingWriter } from '../src/ring/index';

export const CTL_ROUND = 0;
export const CTL_DONE = 1;
/** Round number that ends the workers. */
export const STOP = -1;

export interface BenchJob {
  role: 'writer' | 'reader';
  buffer: SharedArrayBuffer;
  control: SharedArrayBuffer;
  frames: number;
  frameBytes: number;
  /** Reader: 'view' uses peek()/advance() (zero copy), 'copy' uses read(). */
  read: 'view' | 'copy';
}

export async function runRole(job: BenchJob, ready: () => void): Promise<{ checksum: number }> {
  const ring = FrameRing.attach(job.buffer);
  const ctl = new Int32Array(job.control);
  const frame = {
    width: 320,
    height: 240,
    pixformat: 0x06060000, // JPEG: size is the payload length
    size: job.frameBytes,
    data: new Uint8Array(job.frameBytes).fill(0x5a),
    timeUs: 0,
  };
  const reader = job.role === 'reader' ? new RingReader(ring, 0, 'every') : null;
  const writer = job.role === 'writer' ? new RingWriter(ring) : null;
  reader?.attach('next');
  ready();
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let checksum = 0;
  for (let seen = 0; ;) {
    Atomics.wait(ctl, CTL_ROUND, seen);
    const round = Atomics.load(ctl, CTL_ROUND);
    if (round === STOP) break;
    seen = round;
    if (writer) {
      for (let i = 0; i < job.frames; i++) {
        frame.timeUs += 33_333;
        // Back-pressure: the reader is a whole ring behind; let it run.
        while (!writer.write(frame)) Atomics.wait(nap, 0, 0, 0.05);
      }
    } else if (reader) {
      let idle = 0;
      for (let i = 0; i < job.frames;) {
        if (job.read === 'copy') {
          const f = reader.read();
          if (f) {
            checksum += f.data[f.data.length - 1] ?? 0;
            i++;
            continue;
          }
        } else {
          const v = reader.peek();
          if (v) {
            checksum += v.data[v.data.length - 1] ?? 0;
            reader.advance();
            i++;
            continue;
          }
        }
        // Nothing ready: poll a little (a wake-up costs more than a frame), then sleep until the writer
        // publishes (Atomics.waitAsync).
        if (++idle % 256 === 0) await reader.wait(1000);
      }
      Atomics.store(ctl, CTL_DONE, round);
      Atomics.notify(ctl, CTL_DONE);
    }
  }
  reader?.detach();
  return { checksum };
}
