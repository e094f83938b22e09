import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../format/clock';
import { linkPair } from './link';
import { utf8Decode, Utf8Decoder, utf8Encode } from './utf8';

describe('linkPair', () => {
  it('delivers in order, chunked, paced by the injected clock', async () => {
    const clock = new ManualClock();
    const [a, b] = linkPair({ bytesPerSecond: 1000, chunkBytes: 10, clock });
    const got: number[][] = [];
    b.listen(
      (x) => got.push(Array.from(x)),
      () => undefined,
    );
    const data = Uint8Array.from({ length: 25 }, (_, i) => i);
    await a.send(data);
    await a.send(Uint8Array.of(99));
    expect(got.map((c) => c.length)).toEqual([10, 10, 5, 1]);
    expect(got.flat()).toEqual([...data, 99]);
    expect(clock.sleeps).toEqual([10, 10, 5, 1]);
  });

  it('applies the fault hook per direction and buffers bytes sent before listen()', async () => {
    const [a, b] = linkPair({ faults: (x, dir) => (dir === 'a->b' ? x.map((v) => v ^ 0xff) : x) });
    await a.send(Uint8Array.of(0, 1));
    const got: number[] = [];
    b.listen(
      (x) => got.push(...x),
      () => undefined,
    );
    expect(got).toEqual([0xff, 0xfe]);
    const back: number[] = [];
    a.listen(
      (x) => back.push(...x),
      () => undefined,
    );
    await b.send(Uint8Array.of(5));
    expect(back).toEqual([5]);
  });

  it('close: own side closed without error, peer with an Error, sends reject', async () => {
    const [a, b] = linkPair();
    const seen: Array<string | undefined> = [];
    a.listen(
      () => undefined,
      (e) => seen.push(`a:${e?.message}`),
    );
    b.listen(
      () => undefined,
      (e) => seen.push(`b:${e?.message}`),
    );
    await a.close();
    expect(seen).toEqual(['a:undefined', 'b:link closed by the other side']);
    await expect(b.send(Uint8Array.of(1))).rejects.toThrow();
    await expect(a.send(Uint8Array.of(1))).rejects.toThrow();
  });
});

describe('utf8', () => {
  it('round trips and streams split sequences', () => {
    const s = 'FPS 29.9 — ünïcödé 📷\n';
    const b = utf8Encode(s);
    expect(Array.from(b)).toEqual(Array.from(new TextEncoder().encode(s)));
    expect(utf8Decode(b)).toBe(s);
    const d = new Utf8Decoder();
    let out = '';
    for (let i = 0; i < b.length; i += 3) out += d.decode(b.subarray(i, i + 3));
    expect(out).toBe(s);
    expect(utf8Decode(Uint8Array.of(0x41, 0xff, 0x42))).toBe('A\ufffdB');
  });
});
