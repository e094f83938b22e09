import { existsSync, linkSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EOFError, Image, OSError, PIXFORMAT } from '../format/index';
import { decode, extract, info, repairFile, resolveIndex, type Output } from './commands';
import { CliError, errorLine } from './errors';
import {
  GRAY_BYTES,
  JPEG_BYTES,
  RGB565_LE,
  put,
  record,
  tempDir,
  v10File,
  v20File,
  v21File,
} from './test-fixtures';

/** An Output that keeps every write, so tests see both the text and how it was batched. */
function collect(): Output & { chunks: string[]; text(): string } {
  const chunks: string[] = [];
  return { chunks, text: () => chunks.join(''), write: (t) => void chunks.push(t) };
}

async function infoJson(file: string): Promise<Record<string, unknown>> {
  const out = collect();
  await info({ file, json: true }, out);
  return JSON.parse(out.text()) as Record<string, unknown>;
}

async function infoText(file: string): Promise<string> {
  const out = collect();
  await info({ file, json: false }, out);
  return out.text();
}

/** The pixels of an RGBA file as [r, g, b, a] tuples. */
const pixels = (bytes: Uint8Array): number[][] =>
  Array.from({ length: bytes.length / 4 }, (_, i) => Array.from(bytes.subarray(4 * i, 4 * i + 4)));

let dir: string;
let v20: string;
let v21: string;
let v10: string;
let cut: string;

beforeAll(() => {
  dir = tempDir();
  v20 = put(dir, 'v20.bin', v20File());
  v21 = put(dir, 'v21.bin', v21File());
  v10 = put(dir, 'v10.bin', v10File());
  // Cut 5 bytes into frame 2's payload: frames 0 and 1 stay complete.
  cut = put(dir, 'cut.bin', v20File().subarray(0, 112 + 32 + 5));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('info --json', () => {
  it('reports a V2.0 file: keys, offsets, elapsed, formats, sizes', async () => {
    const json = await infoJson(v20);
    expect(Object.keys(json)).toEqual(['version', 'count', 'durationMs', 'frames', 'damage']);
    expect(json).toEqual({
      version: 'V2.0',
      count: 3,
      durationMs: 199,
      frames: [
        {
          index: 0,
          offset: 16,
          elapsedMs: 33,
          width: 4,
          height: 2,
          pixformat: 'RGB565',
          pixformatCode: 0x0c030002,
          size: 16,
        },
        {
          index: 1,
          offset: 64,
          elapsedMs: 66,
          width: 3,
          height: 3,
          pixformat: 'GRAYSCALE',
          pixformatCode: 0x08020001,
          size: 9,
        },
        {
          index: 2,
          offset: 112,
          elapsedMs: 100,
          width: 8,
          height: 8,
          pixformat: 'JPEG',
          pixformatCode: 0x06060000,
          size: 20,
        },
      ],
      damage: null,
    });
  });

  it('gives V2.1 elapsed times as exact fractions of a millisecond', async () => {
    const json = await infoJson(v21);
    expect(json.version).toBe('V2.1');
    expect((json.frames as { elapsedMs: number }[]).map((f) => f.elapsedMs)).toEqual([33.333, 0.009]);
    expect(json.durationMs).toBe(33.342);
  });

  it('reads a hand-built V1.0 file, JPEG length from the bpp field', async () => {
    const json = await infoJson(v10);
    expect(json.version).toBe('V1.0');
    const frames = json.frames as Record<string, unknown>[];
    expect(frames.map((f) => [f.offset, f.elapsedMs, f.pixformat, f.size])).toEqual([
      [16, 33, 'RGB565', 16],
      [48, 66, 'GRAYSCALE', 9],
      [80, 100, 'JPEG', 20],
    ]);
  });

  it('reports damage: where, and the complete frames before it', async () => {
    const json = await infoJson(cut);
    expect(json.count).toBe(2);
    expect(json.durationMs).toBe(99);
    expect(json.damage).toEqual({
      frameIndex: 2,
      offset: 112,
      reason: 'truncated frame: payload of 20 bytes, 5 present',
    });
  });

  it('is valid JSON for a stream without frames', async () => {
    const empty = put(dir, 'noframes.bin', record([]));
    expect(await infoJson(empty)).toEqual({
      version: 'V2.0',
      count: 0,
      durationMs: 0,
      frames: [],
      damage: null,
    });
  });
});

describe('info (human)', () => {
  it('prints the header block and one aligned row per frame', async () => {
    const text = await infoText(v20);
    expect(text).toContain(`file       ${v20}\n`);
    expect(text).toContain('version    V2.0 (elapsed in milliseconds)\n');
    expect(text).toContain('frames     3\n');
    expect(text).toContain('duration   199 ms\n');
    expect(text).toContain('file size  176 bytes\n');
    expect(text).not.toContain('damage');
    const rows = text.split('\n').filter((l) => /^\s*\d+\s/.test(l));
    expect(rows.map((r) => r.trim().split(/\s+/))).toEqual([
      ['0', '16', '33', '4', '2', 'RGB565', '0x0C030002', '16'],
      ['1', '64', '66', '3', '3', 'GRAYSCALE', '0x08020001', '9'],
      ['2', '112', '100', '8', '8', 'JPEG', '0x06060000', '20'],
    ]);
    expect(new Set(rows.map((r) => r.length)).size).toBe(1);
  });

  it('shows V2.1 microseconds and a damage line', async () => {
    expect(await infoText(v21)).toMatch(/^\s+0\s+16\s+33\.333\s+4\s+2\s+RGB565\s/m);
    expect(await infoText(cut)).toContain(
      'damage     frame 2 (byte 112): truncated frame: payload of 20 bytes, 5 present',
    );
  });

  it('streams a long table in batches, not one string', async () => {
    const n = 5000;
    const frames: [Image, number][] = [];
    for (let i = 0; i < n; i++) frames.push([new Image(1, 1, PIXFORMAT.GRAYSCALE), 40]);
    const big = put(dir, 'big.bin', record(frames));
    const out = collect();
    await info({ file: big, json: false }, out);
    expect(out.chunks.length).toBeGreaterThan(2);
    const lines = out.text().split('\n');
    expect(lines.filter((l) => /GRAYSCALE/.test(l))).toHaveLength(n);
    const last = lines.filter((l) => /GRAYSCALE/.test(l)).pop() ?? '';
    expect(last.trim().split(/\s+/)).toEqual([
      String(n - 1),
      String(16 + 48 * (n - 1)),
      '40',
      '1',
      '1',
      'GRAYSCALE',
      '0x08020001',
      '1',
    ]);
    const json = collect();
    await info({ file: big, json: true }, json);
    expect(json.chunks.length).toBeGreaterThan(2);
    expect((JSON.parse(json.text()) as { frames: unknown[] }).frames).toHaveLength(n);
  });
});

describe('extract', () => {
  it('writes the payload as stored: RGB565, GRAYSCALE and the JPEG file', async () => {
    const cases: [number, Uint8Array][] = [
      [0, RGB565_LE],
      [1, GRAY_BYTES],
      [2, JPEG_BYTES],
      [-1, JPEG_BYTES],
    ];
    for (const [index, bytes] of cases) {
      const dest = join(dir, `x${index}.raw`);
      const out = collect();
      await extract({ file: v20, index, out: dest }, out);
      expect(new Uint8Array(readFileSync(dest))).toEqual(bytes);
      expect(out.text()).toMatch(
        new RegExp(`^frame ${index < 0 ? 2 : index} of .* ${bytes.length} bytes written`),
      );
    }
  });

  it('applies the V1.0 RGB565 swap and takes the JPEG length from bpp', async () => {
    const rgb = join(dir, 'v10-0.raw');
    const jpg = join(dir, 'v10-2.jpg');
    await extract({ file: v10, index: 0, out: rgb }, collect());
    await extract({ file: v10, index: 2, out: jpg }, collect());
    expect(new Uint8Array(readFileSync(rgb))).toEqual(RGB565_LE);
    expect(new Uint8Array(readFileSync(jpg))).toEqual(JPEG_BYTES);
  });
});

describe('decode', () => {
  const decoded = async (file: string, index: number, swapRgb565 = false): Promise<Uint8Array> => {
    const dest = join(dir, `d${Math.random().toString(36).slice(2)}.rgba`);
    await decode({ file, index, out: dest, swapRgb565 }, collect());
    return new Uint8Array(readFileSync(dest));
  };

  it('turns RGB565 into RGBA by bit replication', async () => {
    const rgba = await decoded(v20, 0);
    expect(rgba.length).toBe(4 * 2 * 4);
    expect(pixels(rgba).slice(0, 6)).toEqual([
      [255, 0, 0, 255],
      [0, 255, 0, 255],
      [0, 0, 255, 255],
      [255, 255, 255, 255],
      [0, 0, 0, 255],
      [132, 130, 132, 255],
    ]);
  });

  it('turns GRAYSCALE into (Y, Y, Y, 255)', async () => {
    const rgba = await decoded(v20, 1);
    expect(rgba.length).toBe(3 * 3 * 4);
    expect(pixels(rgba)[1]).toEqual([16, 16, 16, 255]);
    expect(pixels(rgba)[8]).toEqual([128, 128, 128, 255]);
  });

  it('shows a V1.0 file as the firmware does, and --swap-rgb565 swaps it back', async () => {
    expect(pixels(await decoded(v10, 0))[0]).toEqual([255, 0, 0, 255]);
    // 0xF800 read with its bytes swapped is 0x00F8: R5 0, G6 7, B5 24.
    expect(pixels(await decoded(v10, 0, true))[0]).toEqual([0, 28, 198, 255]);
  });

  it('explains that ARGB8 frames carry no pixels in a stream', async () => {
    const argb = put(dir, 'argb8.bin', record([[new Image(2, 2, PIXFORMAT.ARGB8), 10]]));
    const run = decode({ file: argb, index: 0, out: join(dir, 'argb.rgba'), swapRgb565: false }, collect());
    await expect(run).rejects.toThrow(/is ARGB8, which ImageIO stores without its pixels/);
  });

  it('refuses JPEG frames and points at extract', async () => {
    const dest = join(dir, 'jpeg.rgba');
    const run = decode({ file: v20, index: 2, out: dest, swapRgb565: false }, collect());
    await expect(run).rejects.toThrow(CliError);
    await expect(run).rejects.toThrow(/decode handles uncompressed formats.*JPEG.*'extract'/);
    expect(existsSync(dest)).toBe(false);
  });
});

describe('repair', () => {
  it('keeps the complete frames of a truncated file and reports the damage', async () => {
    const dest = join(dir, 'fixed.bin');
    const out = collect();
    await repairFile({ input: cut, output: dest }, out);
    expect(out.text()).toBe(
      `repaired '${cut}' into '${dest}': kept 2 frames, 112 bytes written, 37 bytes dropped; ` +
        'damage was at frame 2 (byte 112): truncated frame: payload of 20 bytes, 5 present\n',
    );
    expect(new Uint8Array(readFileSync(dest))).toEqual(v20File().subarray(0, 112));
    expect((await infoJson(dest)).damage).toBeNull();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('copies a clean file and says no damage was found', async () => {
    const dest = join(dir, 'copy.bin');
    const out = collect();
    await repairFile({ input: v20, output: dest }, out);
    expect(out.text()).toMatch(
      /^no damage found in '.*v20\.bin': copied 3 frames to '.*copy\.bin', 176 bytes/,
    );
    expect(new Uint8Array(readFileSync(dest))).toEqual(v20File());
  });

  it("restores the last frame's missing zero padding", async () => {
    const unpadded = put(dir, 'unpadded.bin', v20File().subarray(0, 112 + 32 + 20));
    const dest = join(dir, 'padded.bin');
    const out = collect();
    await repairFile({ input: unpadded, output: dest }, out);
    expect(out.text()).toContain("176 bytes written, 0 bytes dropped; last frame's zero padding restored");
    expect(new Uint8Array(readFileSync(dest))).toEqual(v20File());
  });

  it('refuses to write over its input, however it is spelled', async () => {
    const before = readFileSync(cut);
    const link = join(dir, 'cut-link.bin');
    linkSync(cut, link);
    for (const output of [cut, join(dir, '.', 'cut.bin'), link]) {
      await expect(repairFile({ input: cut, output }, collect())).rejects.toThrow(
        /refusing to write over the input file/,
      );
    }
    expect(readFileSync(cut)).toEqual(before);
  });

  it('leaves nothing behind when the input is not a stream', async () => {
    const sub = tempDir();
    const text = put(sub, 'notes.txt', 'hello, world\n');
    await expect(repairFile({ input: text, output: join(sub, 'out.bin') }, collect())).rejects.toThrow(
      /is not an OpenMV ImageIO stream/,
    );
    expect(readdirSync(sub)).toEqual(['notes.txt']);
    rmSync(sub, { recursive: true, force: true });
  });
});

describe('errors', () => {
  it('folds any error into one line, naming engine errors by their firmware class', () => {
    expect(errorLine(new OSError('Failed to read requested bytes!'))).toBe(
      'OSError: Failed to read requested bytes!',
    );
    expect(errorLine(new EOFError('End of stream'))).toBe('EOFError: End of stream');
    expect(errorLine(new Error('two\nlines'))).toBe('internal error: two lines');
    const enoent = Object.assign(new Error('ENOENT: no such file or directory'), {
      code: 'ENOENT',
      path: 'a',
    });
    expect(errorLine(enoent)).toBe("'a': no such file");
    expect(errorLine(new CliError('said\r\n  once'))).toBe('said once');
  });

  const fails = (p: Promise<void>, message: string | RegExp) => expect(p).rejects.toThrow(message);

  it('names a missing file, a directory, an empty file and a file that is not a stream', async () => {
    const missing = join(dir, 'missing.bin');
    await fails(info({ file: missing, json: false }, collect()), `cannot open '${missing}': no such file`);
    await fails(info({ file: dir, json: false }, collect()), `cannot open '${dir}': is a directory`);
    const empty = put(dir, 'empty.bin', new Uint8Array(0));
    await fails(
      info({ file: empty, json: true }, collect()),
      `'${empty}' is not an OpenMV ImageIO stream (the file is empty)`,
    );
    const text = put(dir, 'text.bin', 'OMV IMG STX V2.0 and more');
    await fails(
      info({ file: text, json: false }, collect()),
      `'${text}' is not an OpenMV ImageIO stream (Unexpected value read!)`,
    );
    const v30 = put(dir, 'v30.bin', 'OMV IMG STR V3.0');
    await fails(
      info({ file: v30, json: false }, collect()),
      /is not a supported OpenMV ImageIO stream \(Expected version/,
    );
  });

  it('names the valid range of a bad index', async () => {
    const dest = join(dir, 'never.raw');
    await fails(
      extract({ file: v20, index: 3, out: dest }, collect()),
      `frame index 3 is out of range: '${v20}' has 3 frames, so use 0 to 2 (or -3 to -1 from the end)`,
    );
    await fails(
      decode({ file: v20, index: -4, out: dest, swapRgb565: false }, collect()),
      /index -4 is out of range/,
    );
    expect(existsSync(dest)).toBe(false);
    expect(() => resolveIndex('f', 0, 0)).toThrow("'f' has no complete frames");
    expect(resolveIndex('f', -1, 1)).toBe(0);
  });

  it('refuses to extract onto the input and into a missing directory', async () => {
    await fails(
      extract({ file: v20, index: 0, out: v20 }, collect()),
      /refusing to write over the input file/,
    );
    const nowhere = join(dir, 'no-such-dir', 'x.raw');
    await fails(
      extract({ file: v20, index: 0, out: nowhere }, collect()),
      /cannot write '.*x\.raw': no such directory/,
    );
    await fails(
      extract({ file: v20, index: 0, out: dir }, collect()),
      `cannot write '${dir}': is a directory`,
    );
  });
});
