import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../format/byte-store';
import { ceil16 } from '../format/bytes';
import { OSError } from '../format/errors';
import { FileImageIO } from '../format/file-stream';
import { Image } from '../format/image';
import { PIXFORMAT } from '../format/pixformat';
import { seededBytes } from '../format/test/helpers';
import { recoverRecording } from './recover-recording';

/** A V2.0 file of frames with payloads of 1..40 bytes (so cuts land in headers, payloads and padding). */
function recording(): { bytes: Uint8Array; ends: number[]; payloadEnds: number[] } {
  const store = new MemoryStore();
  const io = new FileImageIO(store, 'w');
  const ends: number[] = [];
  const payloadEnds: number[] = [];
  [1, 16, 7, 40, 23].forEach((n, i) => {
    io.write(new Image(n, 1, PIXFORMAT.GRAYSCALE, seededBytes(n, i)), { elapsedMs: 10 * i });
    payloadEnds.push(store.size() - ceil16(n) + n);
    ends.push(store.size());
  });
  return { bytes: store.bytes().slice(), ends, payloadEnds };
}

describe('recoverRecording', () => {
  it('cuts a file interrupted at any byte back to its last complete frame, padding restored', () => {
    const { bytes, ends, payloadEnds } = recording();
    for (let cut = 16; cut <= bytes.length; cut++) {
      const store = new MemoryStore(bytes.subarray(0, cut));
      const r = recoverRecording(store);
      // A frame whose payload is all there survives (its padding is written back); a shorter one goes.
      const frames = payloadEnds.filter((e) => e <= cut).length;
      const keep = frames === 0 ? 16 : (ends[frames - 1] as number);
      expect(r).toEqual({
        frames,
        bytes: keep,
        durationMs: [0, 10, 20, 30, 40].slice(0, frames).reduce((a, b) => a + b, 0),
        truncatedBytes: Math.max(0, cut - keep),
        version: 'V2.0',
      });
      expect(store.bytes()).toEqual(bytes.subarray(0, keep));
      const back = new FileImageIO(store, 'r');
      expect(back.damage()).toBeNull();
      expect(back.count()).toBe(frames);
    }
  });

  it('a file shorter than its magic (created, never flushed) becomes an empty V2.0 stream', () => {
    const magic = recording().bytes.subarray(0, 16);
    for (let cut = 0; cut < 16; cut++) {
      const store = new MemoryStore(magic.subarray(0, cut));
      expect(recoverRecording(store)).toEqual({
        frames: 0,
        bytes: 16,
        durationMs: 0,
        truncatedBytes: 0,
        version: 'V2.0',
      });
      expect(store.bytes()).toEqual(magic);
    }
  });

  it('refuses what is not a stream, and leaves it alone', () => {
    const junk = new TextEncoder().encode('hello');
    const store = new MemoryStore(junk);
    expect(() => recoverRecording(store)).toThrow(OSError);
    expect(store.bytes()).toEqual(junk);
    expect(() =>
      recoverRecording(new MemoryStore(new TextEncoder().encode('not a stream at all'))),
    ).toThrow();
  });
});
