import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { toRgba } from '../pixels/index';
import type { RgbaImage } from '../raster';
import {
  CLIP_QUALITY,
  encodeJpeg,
  JPEG_SUBSAMPLING_420,
  JPEG_SUBSAMPLING_422,
  JPEG_SUBSAMPLING_444,
  JPEG_SUBSAMPLING_AUTO,
  resolveSubsampling,
  STILL_QUALITY,
  type JpegSubsampling,
} from './index';
import {
  decodeCoefficients,
  grayToBinary,
  parseJpeg,
  rgbaToGray,
  rgbaToRgb565,
  sceneRgba,
  seeded,
} from '../test/jpeg-support';

// ---------------------------------------------------------------------------------------------------
// Independent reference values, typed or computed here rather than imported from the encoder.

/** ITU-T T.81 Annex K.1 / K.2, natural order. */
const K1 = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const K2 = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...Array<number>(32).fill(99),
];

/** The zigzag scan, walked along the anti-diagonals: scan position → natural index. */
function zigzagScan(): number[] {
  const order: number[] = [];
  for (let s = 0; s < 15; s++) {
    const cells: number[] = [];
    for (let r = 0; r < 8; r++) {
      const c = s - r;
      if (c >= 0 && c < 8) cells.push(r * 8 + c);
    }
    // Even diagonals run bottom-left → top-right (row decreasing), odd ones the other way.
    order.push(...(s % 2 === 0 ? cells.reverse() : cells));
  }
  return order;
}

/** formats.md B §6.5: DQT entries for `quality`, in the order the segment stores them. */
function expectedDqt(base: number[], quality: number): number[] {
  const scale = quality < 50 ? Math.floor(5000 / quality) : 200 - 2 * quality;
  return zigzagScan().map((n) => Math.min(255, Math.max(1, Math.floor((base[n]! * scale + 50) / 100))));
}

/** formats.md B §1.6, with Math.floor for the signed shifts. */
const expand = (v: number, bits: number): number => (v << (8 - bits)) | (v >> (2 * bits - 8));
function ycc565(pixel: number): [number, number, number] {
  const r = expand(pixel >> 11, 5);
  const g = expand((pixel >> 5) & 63, 6);
  const b = expand(pixel & 31, 5);
  return [
    Math.floor((38 * r + 75 * g + 15 * b) / 128),
    Math.floor((64 * b - 21 * r - 43 * g) / 128),
    Math.floor((64 * r - 54 * g - 10 * b) / 128),
  ];
}

const markersOf = (jpeg: Uint8Array): number[] => parseJpeg(jpeg).segments.map((s) => s.marker);

function rgb565Image(width: number, height: number, seed = 1): Image {
  return new Image(
    width,
    height,
    PIXFORMAT.RGB565,
    rgbaToRgb565(sceneRgba(width, height, seed), width, height),
  );
}

function grayImage(width: number, height: number, seed = 1): Image {
  return new Image(
    width,
    height,
    PIXFORMAT.GRAYSCALE,
    rgbaToGray(sceneRgba(width, height, seed), width, height),
  );
}

function solid565(width: number, height: number, pixel: number): Image {
  const data = new Uint8Array(width * height * 2);
  for (let i = 0; i < width * height; i++) {
    data[2 * i] = pixel & 0xff;
    data[2 * i + 1] = pixel >> 8;
  }
  return new Image(width, height, PIXFORMAT.RGB565, data);
}

function rgbaOf(width: number, height: number, pixel: (x: number, y: number) => number[]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([...pixel(x, y), 255], 4 * (y * width + x));
  return { width, height, data };
}

// ---------------------------------------------------------------------------------------------------

describe('encodeJpeg: headers (formats.md B §6.5)', () => {
  it('writes SOI, the exact JFIF APP0, then DQT, SOF0, DHT, SOS in that order and EOI last', () => {
    for (const jpeg of [encodeJpeg(rgb565Image(20, 10)), encodeJpeg(grayImage(20, 10))]) {
      expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
      expect([...jpeg.subarray(2, 20)]).toEqual([
        0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
        0x00,
      ]);
      expect(markersOf(jpeg)).toEqual([0xd8, 0xe0, 0xdb, 0xc0, 0xc4, 0xda]);
      expect([...jpeg.subarray(-2)]).toEqual([0xff, 0xd9]);
    }
  });

  it('has one DQT of length 65n+2 holding the Annex K tables scaled by q′ in zigzag order', () => {
    for (const quality of [1, 2, 10, 25, 34, 35, 49, 50, 51, 60, 75, 90, 99, 100]) {
      const colour = parseJpeg(encodeJpeg(rgb565Image(16, 16), { quality }));
      const dqt = colour.segments.find((s) => s.marker === 0xdb)!;
      expect(dqt.length).toBe(65 * 2 + 2);
      expect(dqt.data[0]).toBe(0x00);
      expect(dqt.data[65]).toBe(0x01);
      expect([...colour.quant.get(0)!], `luma q=${quality}`).toEqual(expectedDqt(K1, quality));
      expect([...colour.quant.get(1)!], `chroma q=${quality}`).toEqual(expectedDqt(K2, quality));

      const gray = parseJpeg(encodeJpeg(grayImage(16, 16), { quality }));
      const gdqt = gray.segments.find((s) => s.marker === 0xdb)!;
      expect(gdqt.length).toBe(65 + 2);
      expect([...gray.quant.keys()]).toEqual([0]);
      expect([...gray.quant.get(0)!]).toEqual(expectedDqt(K1, quality));
    }
    // Spot values that pin the formula: q=50 is Annex K itself, q=100 is all ones, q=1 clamps at 255.
    expect(expectedDqt(K1, 50).slice(0, 4)).toEqual([16, 11, 12, 14]);
    expect(
      parseJpeg(encodeJpeg(grayImage(8, 8), { quality: 100 }))
        .quant.get(0)!
        .every((v) => v === 1),
    ).toBe(true);
    expect(parseJpeg(encodeJpeg(grayImage(8, 8), { quality: 1 })).quant.get(0)![63]).toBe(255);
  });

  it('writes SOF0: precision 8, big-endian height and width, components 1..n with sampling and tables', () => {
    const colour = parseJpeg(encodeJpeg(rgb565Image(300, 257), { quality: 90, subsampling: '420' }));
    const sof = colour.segments.find((s) => s.marker === 0xc0)!;
    expect(sof.length).toBe(8 + 3 * 3);
    expect([...sof.data]).toEqual([8, 0x01, 0x01, 0x01, 0x2c, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);

    const gray = parseJpeg(encodeJpeg(grayImage(300, 257), { subsampling: '420' }));
    const gsof = gray.segments.find((s) => s.marker === 0xc0)!;
    expect(gsof.length).toBe(8 + 3);
    expect([...gsof.data]).toEqual([8, 0x01, 0x01, 0x01, 0x2c, 1, 1, 0x11, 0]);
  });

  it('writes one DHT of length 208n+2 with the standard Annex K tables', () => {
    const dcBits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    const dcChromaBits = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
    const acBits = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
    const acChromaBits = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
    const dcValues = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    // Every AC symbol of baseline: EOB, ZRL, and run 0..15 × size 1..10.
    const acSymbols = [0x00, 0xf0];
    for (let run = 0; run < 16; run++)
      for (let size = 1; size <= 10; size++) acSymbols.push((run << 4) | size);
    const sorted = (a: ArrayLike<number>): number[] => Array.from(a).sort((x, y) => x - y);

    const colour = parseJpeg(encodeJpeg(rgb565Image(16, 16)));
    const dht = colour.segments.find((s) => s.marker === 0xc4)!;
    expect(dht.length).toBe(208 * 2 + 2);
    expect([...colour.huffman.keys()]).toEqual([0x00, 0x10, 0x01, 0x11]);
    expect([...colour.huffman.get(0x00)!.bits]).toEqual(dcBits);
    expect([...colour.huffman.get(0x00)!.values]).toEqual(dcValues);
    expect([...colour.huffman.get(0x10)!.bits]).toEqual(acBits);
    expect(sorted(colour.huffman.get(0x10)!.values)).toEqual(sorted(acSymbols));
    expect([...colour.huffman.get(0x10)!.values.subarray(0, 8)]).toEqual([1, 2, 3, 0, 4, 0x11, 5, 0x12]);
    expect([...colour.huffman.get(0x01)!.bits]).toEqual(dcChromaBits);
    expect([...colour.huffman.get(0x01)!.values]).toEqual(dcValues);
    expect([...colour.huffman.get(0x11)!.bits]).toEqual(acChromaBits);
    expect(sorted(colour.huffman.get(0x11)!.values)).toEqual(sorted(acSymbols));
    expect([...colour.huffman.get(0x11)!.values.subarray(0, 8)]).toEqual([0, 1, 2, 3, 0x11, 4, 5, 0x21]);

    const gray = parseJpeg(encodeJpeg(grayImage(16, 16)));
    expect(gray.segments.find((s) => s.marker === 0xc4)!.length).toBe(208 + 2);
    expect([...gray.huffman.keys()]).toEqual([0x00, 0x10]);
  });

  it('writes SOS with component 1 on tables 0/0 and the chroma components on 1/1, Ss=0 Se=63 AhAl=0', () => {
    const colour = parseJpeg(encodeJpeg(rgb565Image(16, 16)));
    const sos = colour.segments.find((s) => s.marker === 0xda)!;
    expect(sos.length).toBe(6 + 2 * 3);
    expect([...sos.data]).toEqual([3, 1, 0x00, 2, 0x11, 3, 0x11, 0x00, 0x3f, 0x00]);
    const gray = parseJpeg(encodeJpeg(grayImage(16, 16)));
    expect([...gray.segments.find((s) => s.marker === 0xda)!.data]).toEqual([1, 1, 0x00, 0x00, 0x3f, 0x00]);
  });

  it('has no restart markers: only stuffed 0xFF 0x00 in the entropy data, no DRI', () => {
    // High quality on noise makes plenty of 0xFF bytes to stuff.
    const next = seeded(9);
    const noise = new Image(
      64,
      64,
      PIXFORMAT.RGB565,
      Uint8Array.from({ length: 64 * 64 * 2 }, () => next() * 256),
    );
    const jpeg = encodeJpeg(noise, { quality: 95 });
    const parsed = parseJpeg(jpeg); // throws on any marker other than FF 00 inside the scan
    expect(parsed.segments.some((s) => s.marker === 0xdd)).toBe(false);
    let stuffed = 0;
    for (let i = 0; i < parsed.entropy.length - 1; i++) if (parsed.entropy[i] === 0xff) stuffed++;
    expect(stuffed).toBeGreaterThan(10);
  });
});

describe('encodeJpeg: subsampling', () => {
  const samplingOf = (jpeg: Uint8Array): number => {
    const c = parseJpeg(jpeg).components[0]!;
    return (c.h << 4) | c.v;
  };

  it('AUTO picks 4:2:0 at q ≤ 35, 4:2:2 below 60, 4:4:4 from 60 (jpeg_compress)', () => {
    const img = rgb565Image(24, 16);
    const expected: [number, number][] = [
      [1, 0x22],
      [10, 0x22],
      [35, 0x22],
      [36, 0x21],
      [59, 0x21],
      [60, 0x11],
      [90, 0x11],
      [100, 0x11],
    ];
    for (const [quality, sampling] of expected) {
      expect(samplingOf(encodeJpeg(img, { quality })), `q=${quality}`).toBe(sampling);
      expect(samplingOf(encodeJpeg(img, { quality, subsampling: 0 })), `q=${quality}`).toBe(sampling);
      expect(resolveSubsampling(quality)).toBe(sampling);
    }
    expect(samplingOf(encodeJpeg(img))).toBe(0x21); // default quality 50
  });

  it('honours an explicit subsampling, by name or by constant, at any quality', () => {
    const img = rgb565Image(24, 16);
    const requests: [JpegSubsampling, number][] = [
      ['444', 0x11],
      ['422', 0x21],
      ['420', 0x22],
      [JPEG_SUBSAMPLING_444, 0x11],
      [JPEG_SUBSAMPLING_422, 0x21],
      [JPEG_SUBSAMPLING_420, 0x22],
    ];
    for (const quality of [10, 35, 36, 59, 60, 90]) {
      for (const [subsampling, sampling] of requests) {
        const parsed = parseJpeg(encodeJpeg(img, { quality, subsampling }));
        expect((parsed.components[0]!.h << 4) | parsed.components[0]!.v).toBe(sampling);
        expect(parsed.components.slice(1).map((c) => (c.h << 4) | c.v)).toEqual([0x11, 0x11]);
      }
    }
  });

  it('writes 1-component 0x11 for grey output whatever is asked', () => {
    for (const subsampling of ['auto', '420', '422', '444'] as const) {
      for (const jpeg of [
        encodeJpeg(grayImage(24, 16), { quality: 10, subsampling }),
        encodeJpeg(rgb565Image(24, 16), { quality: 10, subsampling, grayscale: true }),
      ]) {
        const parsed = parseJpeg(jpeg);
        expect(parsed.components).toEqual([{ id: 1, h: 1, v: 1, tq: 0 }]);
      }
    }
  });

  it('exports the firmware constants', () => {
    expect([JPEG_SUBSAMPLING_AUTO, JPEG_SUBSAMPLING_444, JPEG_SUBSAMPLING_422, JPEG_SUBSAMPLING_420]).toEqual(
      [0, 17, 33, 34],
    );
    expect([STILL_QUALITY, CLIP_QUALITY]).toEqual([50, 90]);
  });
});

describe('encodeJpeg: firmware arithmetic', () => {
  /** The scan bytes of an 8x8 flat grey block at q=50 (luma DC quantiser 16, so DC = (v-128)/2). */
  const flatScan = (value: number): number[] => [
    ...parseJpeg(encodeJpeg(new Image(8, 8, PIXFORMAT.GRAYSCALE, new Uint8Array(64).fill(value)))).entropy,
  ];

  it('rounds quantised values half to even (fast_roundf / vcvtr), not half up or away from zero', () => {
    // DC code for size 2 is 011, then the value bits; EOB is 1010; the rest of the byte is 1-padding.
    expect(flatScan(133)).toEqual([0x75, 0x7f]); //  2.5 → 2: 011 10 1010 0|1111111
    expect(flatScan(131)).toEqual([0x75, 0x7f]); //  1.5 → 2
    expect(flatScan(123)).toEqual([0x6d, 0x7f]); // -2.5 → -2: 011 01 1010 0|1111111
    expect(flatScan(125)).toEqual([0x6d, 0x7f]); // -1.5 → -2
    expect(flatScan(129)).toEqual([0x2b]); //  0.5 → 0: 00 1010 11
    expect(flatScan(127)).toEqual([0x2b]); // -0.5 → 0
    expect(flatScan(128)).toEqual([0x2b]);
  });

  it('converts RGB565 with the 8-bit expansions and the §1.6 Y/Cb/Cr formulas', () => {
    // q=100 quantises by 1, and a flat block's DC is 8 × its level-shifted value: exact.
    for (const pixel of [0x0000, 0xffff, 0xf800, 0x07e0, 0x001f, 0x8410, 0x1234, 0xabcd, 0x07ff, 0xf81f]) {
      const { blocks } = decodeCoefficients(
        encodeJpeg(solid565(8, 8, pixel), { quality: 100, subsampling: '444' }),
      );
      const [y, cb, cr] = ycc565(pixel);
      expect([blocks[0]![0]![0], blocks[1]![0]![0], blocks[2]![0]![0]], `0x${pixel.toString(16)}`).toEqual([
        8 * (y - 128),
        8 * cb,
        8 * cr,
      ]);
      for (const comp of blocks) expect(comp[0]!.subarray(1).every((v) => v === 0)).toBe(true);
    }
  });

  it('fills partial edge blocks with level-shifted zeros (mid-grey), not replicated pixels', () => {
    // One white pixel in an otherwise padded block: DC = 127 / 8 = 15.875 → 16 (replication: 1016).
    const { blocks } = decodeCoefficients(
      encodeJpeg(new Image(1, 1, PIXFORMAT.GRAYSCALE, new Uint8Array([255])), { quality: 100 }),
    );
    expect(blocks[0]![0]![0]).toBe(16);
    expect(blocks[0]![0]![1]).not.toBe(0);
    // A 9-wide flat image: the second block holds one real column beside 7 grey ones.
    const wide = decodeCoefficients(
      encodeJpeg(new Image(9, 8, PIXFORMAT.GRAYSCALE, new Uint8Array(72).fill(255)), { quality: 100 }),
    );
    expect(wide.blocks[0]!.map((b) => b[0])).toEqual([1016, 127]);
  });

  it('averages chroma with C integer division (truncation toward zero), the portable build', () => {
    // Cb of (10,10,9) is -1 and of (10,10,10) is 0: pairs average to trunc(-0.5) = 0 (floor: -1, DC -8).
    const stripes = rgbaOf(16, 16, (x) => (x % 2 ? [10, 10, 10] : [10, 10, 9]));
    const cbDc = (subsampling: JpegSubsampling): number[] =>
      decodeCoefficients(encodeJpeg(stripes, { quality: 100, subsampling })).blocks[1]!.map((b) => b[0]!);
    expect(cbDc('422')).toEqual([0, 0]);
    expect(cbDc('420')).toEqual([0]);
    // Without subsampling the -1/0 columns average to -0.5 in the DC: 8 × -0.5 = -4 per block.
    expect(cbDc('444')).toEqual([-4, -4, -4, -4]);
  });

  it('matches byte for byte the firmware software encoder (portable jpege.c built on a host)', () => {
    // Vectors made by compiling openmv/openmv lib/imlib/jpege.c (HEAD cbbb877e, OMV_JPEG_CODEC_ENABLE 0,
    // no ARM_MATH_DSP, vcvtr emulated as ties-to-even) and feeding it these pictures: [w, h, format,
    // picture, quality, subsampling, length, sha256].
    type Vector = [
      number,
      number,
      'RGB565' | 'GRAYSCALE' | 'BINARY',
      'scene' | 'noise',
      number,
      number,
      number,
      string,
    ];
    // prettier-ignore
    const vectors: Vector[] = [
      [16, 16, 'RGB565', 'scene', 50, 0x0, 671, 'e6e17daefaa02047a9d6b9d73e6c5f9f41648e35ee5149b0a53b997da0d47525'],
      [8, 8, 'GRAYSCALE', 'scene', 75, 0x0, 350, '201de4f85e56b6b0068df0e1bc4511d431d90ff4648ab6f7abdb52eec6f752d6'],
      [33, 17, 'RGB565', 'scene', 90, 0x22, 964, '0f2cde9d26b20fdcacdc976731db86623241f170016ee5e2ecc59f636f8dbed4'],
      [33, 17, 'RGB565', 'scene', 35, 0x0, 739, '10e500879e3452c1d667a5040d81d46a400aa78c210fb87e8d7b64045f671453'],
      [17, 9, 'RGB565', 'noise', 10, 0x11, 643, '760b7030068ed6128cb193ba84785c7746a59ea2963264a6a0eb7e07cca976ab'],
      [7, 3, 'RGB565', 'noise', 60, 0x21, 638, '2a3ed42e7cd4722355e6d01bd8caf7abf1d375dcb27077b40ba82837aafccb0c'],
      [1, 1, 'RGB565', 'scene', 36, 0x0, 614, '21f0fba6b7ec61c61a13025dc6be61721c5d8e8fac97b9e40a42775c5bf1d8d5'],
      [64, 48, 'GRAYSCALE', 'scene', 20, 0x0, 459, '605970bac8456779441a71f02afe8bd9c620f713d4c27de930612fdc256bd372'],
      [40, 31, 'BINARY', 'scene', 50, 0x0, 598, '658d453e9381366a34ae80e8752b8ad05bb764328de223e251d7dbd844388b62'],
      [160, 120, 'RGB565', 'scene', 90, 0x0, 5039, '96603de1cea594a48b21aaa91b41e0fead101d643bf1db46497f55f44f23e33e'],
      [160, 120, 'RGB565', 'scene', 50, 0x22, 1654, '5d101e28756e489c531aab251139dc4330ba19e28d6400a7a3bafa76235246ca'],
      [100, 75, 'GRAYSCALE', 'noise', 95, 0x0, 8515, 'cc54b6f8d97fc5ba4702e18d2eda3e566ec6ae23b7fb367ca02769a02adf0528'],
      [37, 29, 'RGB565', 'scene', 1, 0x21, 653, '92cda3fa4565c9034f997557ec0c568e99756e9a218fe062b6659027933d80dd'],
      [640, 480, 'RGB565', 'scene', 90, 0x22, 37840, '75e6cd94dfccf4a21c18303bec0426ee934105943c614a407eb3c8881b71ca7b'],
    ];
    for (const [w, h, format, picture, quality, subsampling, length, sha256] of vectors) {
      let data: Uint8Array;
      if (picture === 'noise') {
        const next = seeded(w * 1000 + h);
        data = Uint8Array.from({ length: (format === 'RGB565' ? 2 : 1) * w * h }, () => (next() * 256) | 0);
      } else {
        const rgba = sceneRgba(w, h, 7);
        const gray = rgbaToGray(rgba, w, h);
        data =
          format === 'RGB565'
            ? rgbaToRgb565(rgba, w, h)
            : format === 'GRAYSCALE'
              ? gray
              : grayToBinary(gray, w, h);
      }
      const jpeg = encodeJpeg(new Image(w, h, PIXFORMAT[format], data), {
        quality,
        subsampling: subsampling as JpegSubsampling,
      });
      const what = `${w}x${h} ${format} ${picture} q=${quality} ss=0x${subsampling.toString(16)}`;
      expect(jpeg.length, what).toBe(length);
      expect(createHash('sha256').update(jpeg).digest('hex'), what).toBe(sha256);
    }
  });

  it('stays within one quantisation step of an exact float DCT', () => {
    // The integer AAN transform approximates the DCT; at q=50 no coefficient may be off by more than 1.
    const w = 32;
    const h = 16;
    const gray = rgbaToGray(sceneRgba(w, h, 5, 40), w, h);
    const { blocks, parsed } = decodeCoefficients(
      encodeJpeg(new Image(w, h, PIXFORMAT.GRAYSCALE, gray), { quality: 50 }),
    );
    const q = parsed.quant.get(0)!;
    const scan = zigzagScan();
    let worst = 0;
    blocks[0]!.forEach((zz, b) => {
      const bx = (b % (w / 8)) * 8;
      const by = Math.floor(b / (w / 8)) * 8;
      for (let k = 0; k < 64; k++) {
        const u = scan[k]! % 8;
        const v = Math.floor(scan[k]! / 8);
        let sum = 0;
        for (let y = 0; y < 8; y++)
          for (let x = 0; x < 8; x++)
            sum +=
              (gray[(by + y) * w + bx + x]! - 128) *
              Math.cos(((2 * x + 1) * u * Math.PI) / 16) *
              Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        const exact = (0.25 * (u ? 1 : Math.SQRT1_2) * (v ? 1 : Math.SQRT1_2) * sum) / q[k]!;
        worst = Math.max(worst, Math.abs(zz[k]! - exact));
      }
    });
    expect(worst).toBeLessThan(1.5);
  });
});

describe('encodeJpeg: sources', () => {
  it('passes a JPEG frame through untouched (the same bytes)', () => {
    const bytes = encodeJpeg(rgb565Image(16, 8));
    const frame = new Image(16, 8, PIXFORMAT.JPEG, bytes);
    expect(encodeJpeg(frame)).toBe(frame.data);
    expect(encodeJpeg(frame, { quality: 5, subsampling: '420', grayscale: true })).toBe(frame.data);
  });

  it('encodes GRAYSCALE and BINARY as 1 component; BINARY as 0/255 grey', () => {
    const g = parseJpeg(encodeJpeg(grayImage(13, 11)));
    expect(g.components.length).toBe(1);
    const w = 13;
    const h = 11;
    const gray = rgbaToGray(sceneRgba(w, h), w, h);
    const binary = new Image(w, h, PIXFORMAT.BINARY, grayToBinary(gray, w, h));
    const asGray = new Image(
      w,
      h,
      PIXFORMAT.GRAYSCALE,
      Uint8Array.from(gray, (v) => (v > 127 ? 255 : 0)),
    );
    const jpeg = encodeJpeg(binary, { quality: 75 });
    expect(parseJpeg(jpeg).components.length).toBe(1);
    expect(jpeg).toEqual(encodeJpeg(asGray, { quality: 75 }));
  });

  it('encodes Bayer and YUV from the RGB565 picture the camera shows', () => {
    const next = seeded(4);
    const raw8 = Uint8Array.from({ length: 17 * 9 }, () => next() * 256);
    const raw16 = Uint8Array.from({ length: 17 * 9 * 2 }, () => next() * 256);
    const frames = [
      new Image(17, 9, PIXFORMAT.BAYER_BGGR, raw8),
      new Image(17, 9, PIXFORMAT.BAYER_RGGB, raw8),
      new Image(17, 9, PIXFORMAT.YUV422, raw16),
      new Image(17, 9, PIXFORMAT.YVU422, raw16),
    ];
    for (const frame of frames) {
      const rgba = toRgba(frame);
      const asRgb565 = new Image(17, 9, PIXFORMAT.RGB565, rgbaToRgb565(rgba, 17, 9));
      for (const quality of [30, 90]) {
        const jpeg = encodeJpeg(frame, { quality });
        expect(jpeg).toEqual(encodeJpeg(asRgb565, { quality }));
        expect(jpeg).toEqual(encodeJpeg({ width: 17, height: 9, data: rgba }, { quality }));
      }
    }
  });

  it('encodes an RgbaImage in colour, or as its firmware luma with grayscale', () => {
    const rgba = { width: 21, height: 13, data: sceneRgba(21, 13) };
    expect(parseJpeg(encodeJpeg(rgba)).components.length).toBe(3);
    const grey = encodeJpeg(rgba, { grayscale: true, quality: 80 });
    expect(grey).toEqual(
      encodeJpeg(new Image(21, 13, PIXFORMAT.GRAYSCALE, rgbaToGray(rgba.data, 21, 13)), { quality: 80 }),
    );
    // RGB565 with grayscale: the Y of the colour encode.
    const img = rgb565Image(21, 13);
    expect(encodeJpeg(img, { grayscale: true, quality: 80 })).toEqual(
      encodeJpeg(new Image(21, 13, PIXFORMAT.GRAYSCALE, rgbaToGray(toRgba(img), 21, 13)), { quality: 80 }),
    );
    // Alpha is ignored.
    const clear = { ...rgba, data: Uint8ClampedArray.from(rgba.data, (v, i) => (i % 4 === 3 ? 0 : v)) };
    expect(encodeJpeg(clear)).toEqual(encodeJpeg(rgba));
  });

  it('returns independent arrays and the same bytes on every call (scratch buffers are reused)', () => {
    const big = rgb565Image(200, 150, 3);
    const small = grayImage(9, 7, 4);
    const first = encodeJpeg(big, { quality: 90 });
    const copy = first.slice();
    const other = encodeJpeg(small, { quality: 20 });
    expect(first).toEqual(copy);
    expect(encodeJpeg(big, { quality: 90 })).toEqual(first);
    expect(encodeJpeg(small, { quality: 20 })).toEqual(other);
    expect(first.buffer).not.toBe(other.buffer);
  });
});

describe('encodeJpeg: errors', () => {
  it('refuses a PNG frame: decode the PNG frame first', () => {
    const png = new Image(4, 4, PIXFORMAT.PNG, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    expect(() => encodeJpeg(png)).toThrow(ValueError);
    expect(() => encodeJpeg(png)).toThrow(/decode the PNG frame first/);
  });

  it('refuses qualities outside 1..100 and non-integers, whatever the source', () => {
    const img = grayImage(8, 8);
    const jpegFrame = new Image(8, 8, PIXFORMAT.JPEG, encodeJpeg(img));
    for (const quality of [0, -1, 101, 1000, 50.5, Number.NaN, Infinity]) {
      expect(() => encodeJpeg(img, { quality }), String(quality)).toThrow(ValueError);
      expect(() => encodeJpeg(jpegFrame, { quality }), String(quality)).toThrow(ValueError);
    }
    for (const quality of [1, 100]) expect(() => encodeJpeg(img, { quality })).not.toThrow();
  });

  it('refuses unknown subsampling values', () => {
    for (const subsampling of ['4:2:0', 'AUTO', 0x12, 420, 1] as unknown as JpegSubsampling[]) {
      expect(() => encodeJpeg(rgb565Image(8, 8), { subsampling }), String(subsampling)).toThrow(ValueError);
      expect(() => encodeJpeg(grayImage(8, 8), { subsampling }), String(subsampling)).toThrow(ValueError);
    }
  });

  it('refuses ARGB8, bad rasters and sides longer than 65535', () => {
    expect(() => encodeJpeg(new Image(2, 2, PIXFORMAT.ARGB8))).toThrow(ValueError);
    expect(() => encodeJpeg({ width: 4, height: 4, data: new Uint8ClampedArray(63) })).toThrow(ValueError);
    expect(() => encodeJpeg({ width: 0, height: 4, data: new Uint8ClampedArray(0) })).toThrow(ValueError);
    expect(() => encodeJpeg({ width: 2.5, height: 4, data: new Uint8ClampedArray(64) })).toThrow(ValueError);
    expect(() => encodeJpeg(new Image(65536, 1, PIXFORMAT.GRAYSCALE))).toThrow(ValueError);
    expect(() => encodeJpeg(new Image(65535, 1, PIXFORMAT.GRAYSCALE))).not.toThrow();
  });
});
