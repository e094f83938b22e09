import { readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { Image, PIXFORMAT } from '../src/format/index';
import { toRgba } from '../src/format/pixels/index';
import { resizeBilinear } from '../src/format/raster';
import { decodeBmp, decodePng, encodePng, zlibInflate } from '../src/format/stills/index';
import { filterScanlines } from '../src/format/stills/png';
import { report, time, type Suite } from './harness';

/**
 * PNG stills: our pure-TypeScript PNG writer (MINSUM filtering + our deflate at level 6) on a VGA
 * RGB565 frame, against Node's native zlib (level 6) compressing the very same filtered scanlines, with
 * both file sizes. Also the reader against a bare native inflate of the same IDAT.
 */
const IMAGES =
  process.env.OMV_TEST_IMAGES ?? new URL('../../shared/data/openmv-test-images/', import.meta.url).pathname;
const W = 640;
const H = 480;

/** RGBA → RGB565 by truncation. */
function pack565(rgba: ArrayLike<number>, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 2);
  for (let i = 0; i < pixels; i++) {
    const p =
      (((rgba[4 * i] as number) & 0xf8) << 8) |
      (((rgba[4 * i + 1] as number) & 0xfc) << 3) |
      ((rgba[4 * i + 2] as number) >> 3);
    out[2 * i] = p & 0xff;
    out[2 * i + 1] = p >> 8;
  }
  return out;
}

/** A VGA RGB565 frame: person.bmp scaled up, optionally with seeded sensor noise (±noise per channel). */
function frame(noise: number): Image {
  const src = decodeBmp(new Uint8Array(readFileSync(IMAGES + 'person.bmp')));
  const big = resizeBilinear({ width: src.width, height: src.height, data: toRgba(src) }, W, H);
  let a = 12345;
  const data = big.data.map((v, i) => {
    if (i % 4 === 3 || noise === 0) return v;
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return v + ((a >>> 16) % (2 * noise + 1)) - noise;
  });
  return new Image(W, H, PIXFORMAT.RGB565, pack565(data, W * H));
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** The same PNG with Node's zlib as the compressor: same RGB, same filters, level 6. */
function zlibPng(img: Image): Uint8Array {
  const rgba = toRgba(img);
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set(rgba.subarray(4 * i, 4 * i + 3), 3 * i);
  const idat = zlib.deflateSync(filterScanlines(rgb, W * 3, H, 3, true), { level: 6 });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const suite: Suite = {
  name: 'stills',
  async run() {
    for (const [label, noise] of [
      ['photo', 0],
      ['photo + sensor noise ±3', 3],
    ] as const) {
      const img = frame(noise);
      const ours = encodePng(img);
      const theirs = zlibPng(img);
      const value = await time(() => encodePng(img), { minRuns: 5, minMs: 1500 });
      const baseline = await time(() => zlibPng(img), { minRuns: 5, minMs: 1500 });
      report({
        name: `PNG encode ${W}x${H} RGB565 (${label})`,
        value,
        baselineName: 'same filters + node:zlib level 6',
        baseline,
        note: `sizes: ours ${ours.length} B, zlib ${theirs.length} B (${((100 * ours.length) / theirs.length).toFixed(1)}%)`,
      });
    }
    const png = encodePng(frame(0));
    const idatLength = new DataView(png.buffer, png.byteOffset).getUint32(33);
    const idat = png.subarray(41, 41 + idatLength);
    const decode = await time(() => decodePng(png), { minRuns: 5, minMs: 1000 });
    const native = await time(() => zlib.inflateSync(idat), { minRuns: 5, minMs: 1000 });
    report({
      name: `PNG decode ${W}x${H} RGB → RGBA`,
      value: decode,
      baselineName: 'node:zlib inflate of the IDAT',
      baseline: native,
    });
    const ourInflate = await time(() => zlibInflate(idat), { minRuns: 5, minMs: 1000 });
    report({
      name: 'our inflate of the same IDAT',
      value: ourInflate,
      baselineName: 'node:zlib inflate',
      baseline: native,
    });
  },
};
