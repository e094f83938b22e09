import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { Image } from '../image';
import { ImageIO, MemoryStore, PIXFORMAT } from '../index';
import { seededBytes, TEST_IMAGES } from '../test/helpers';
import {
  decodeBmp,
  decodePng,
  decodePnm,
  detectStill,
  enforceExtension,
  encodeBmp,
  encodePng,
  loadStill,
  saveStill,
} from './index';
import { firstDifference as diff } from './test-support';
import { osError } from '../test/expect-errors';

const DATA = TEST_IMAGES;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('detectStill: formats.md B §6.7 magic', () => {
  it('recognises the four kinds by their first bytes', () => {
    expect(detectStill(ascii('P2 1'))).toBe('pnm');
    expect(detectStill(ascii('P3 1'))).toBe('pnm');
    expect(detectStill(ascii('P5 1'))).toBe('pnm');
    expect(detectStill(ascii('P6 1'))).toBe('pnm');
    expect(detectStill(ascii('P4 1'))).toBeNull();
    expect(detectStill(ascii('BM\0\0'))).toBe('bmp');
    expect(detectStill(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(detectStill(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBe('png');
    expect(detectStill(Uint8Array.from([0x89, 0x50, 0x4e, 0x48]))).toBeNull();
    expect(detectStill(ascii('OMV IMG STR V2.0'))).toBeNull();
    expect(detectStill(ascii('BM'))).toBeNull();
  });
});

describe('loadStill: Image(path)', () => {
  it('decodes BMP and PNM, keeps JPEG and PNG compressed with size = file length', () => {
    const grey = new Image(5, 3, PIXFORMAT.GRAYSCALE, seededBytes(15, 1));
    expect(diff(loadStill(encodeBmp(grey)).data, grey.data)).toBe(-1);
    expect(loadStill(ascii('P2\n1 1\n255\n9\n')).data[0]).toBe(9);
    const jpeg = new Uint8Array(readFileSync(DATA + 'compressed.jpeg'));
    const j = loadStill(jpeg);
    expect(j.toString()).toBe('320x270 JPEG');
    expect(j.size).toBe(jpeg.length);
    expect(diff(j.data, jpeg)).toBe(-1);
    expect(j.data).not.toBe(jpeg);
    const pngBytes = encodePng(new Image(7, 2, PIXFORMAT.RGB565, seededBytes(28, 2)));
    const p = loadStill(pngBytes);
    expect(p.toString()).toBe('7x2 PNG');
    expect(p.size).toBe(pngBytes.length);
    expect(diff(p.data, pngBytes)).toBe(-1);
  });

  it('refuses unknown files, ImageIO streams included', () => {
    const store = new MemoryStore();
    const io = ImageIO.open(store, 'w');
    io.write(new Image(2, 2, PIXFORMAT.GRAYSCALE));
    io.close();
    expect(osError(() => loadStill(store.bytes()))).toBe('Unsupported format!');
    expect(osError(() => loadStill(ascii('GIF89a')))).toBe('Unsupported format!');
    expect(osError(() => loadStill(ascii('BM')))).toMatch(/^Failed to read requested bytes!/);
  });

  it('enforces the extension when given a name, like the firmware', () => {
    const ppm = ascii('P6\n1 1\n255\n\x01\x02\x03');
    expect(loadStill(ppm, { name: 'a.PPM' }).pixformat).toBe(PIXFORMAT.RGB565);
    expect(osError(() => loadStill(ppm, { name: 'photo.pgm' }))).toBe('Image is not PGM!');
    expect(loadStill(ppm, { name: 'photo.bmp' }).pixformat).toBe(PIXFORMAT.RGB565);
    expect(loadStill(ppm, { name: 'photo' }).pixformat).toBe(PIXFORMAT.RGB565);
    const jpeg = new Uint8Array(readFileSync(DATA + 'compressed.jpeg'));
    expect(osError(() => loadStill(jpeg, { name: 'x.bmp' }))).toBe('Image is not BMP!');
    expect(loadStill(jpeg, { name: 'x.png' }).pixformat).toBe(PIXFORMAT.JPEG);
    expect(osError(() => loadStill(jpeg, { name: 'x.raw' }))).toBe('Image is not BAYER!');
    expect(() => enforceExtension(new Image(2, 2, PIXFORMAT.BAYER_GRBG), 'x.raw')).not.toThrow();
  });

  it('loads every file of the shared test data, with the rule that applies to it', () => {
    const found: string[] = [];
    for (const name of readdirSync(DATA).sort()) {
      if (name.endsWith('.md')) continue;
      const img = loadStill(new Uint8Array(readFileSync(DATA + name)), { name });
      found.push(`${name} ${img.toString()}`);
    }
    expect(found).toEqual([
      'apriltags.pgm 640x426 GRAYSCALE',
      'barcode.pgm 539x88 GRAYSCALE',
      'blobs.ppm 160x120 RGB565',
      'cat.pgm 320x240 GRAYSCALE',
      'compressed.jpeg 320x270 JPEG',
      'csi.pgm 160x120 GRAYSCALE',
      'csi.ppm 160x120 RGB565',
      'datamatrix.pgm 160x120 GRAYSCALE',
      'dennis.pgm 300x200 GRAYSCALE',
      'drawing.pgm 160x120 GRAYSCALE',
      'edges1.pgm 320x200 GRAYSCALE',
      'edges2.pgm 320x200 GRAYSCALE',
      'edl_lines.pgm 640x480 GRAYSCALE',
      'eye.pgm 320x240 GRAYSCALE',
      'faces.bmp 400x272 RGB565',
      'graffiti.bmp 320x240 GRAYSCALE',
      'graffiti.pgm 320x240 GRAYSCALE',
      'hand.bmp 370x370 RGB565',
      'person.bmp 400x400 RGB565',
      'qrcode.pgm 320x240 GRAYSCALE',
      'shapes.ppm 160x120 RGB565',
      'template.pgm 40x40 GRAYSCALE',
    ]);
  });
});

describe('saveStill: Image.save(path)', () => {
  const grey = new Image(6, 4, PIXFORMAT.GRAYSCALE, seededBytes(24, 3));
  const color = new Image(6, 4, PIXFORMAT.RGB565, seededBytes(48, 4));

  it('dispatches to the writers', () => {
    expect(diff(decodeBmp(saveStill(color, 'bmp')).data, color.data)).toBe(-1);
    expect(diff(decodePnm(saveStill(grey, 'pgm')).data, grey.data)).toBe(-1);
    expect(diff(decodePnm(saveStill(color, 'ppm')).data, color.data)).toBe(-1);
    expect(decodePng(saveStill(grey, 'png')).width).toBe(6);
  });

  it('applies the roi to BMP/PGM/PPM and validates it (but ignores it) for PNG', () => {
    expect(decodeBmp(saveStill(grey, 'bmp', { roi: [1, 1, 2, 2] })).toString()).toBe('2x2 GRAYSCALE');
    expect(decodePnm(saveStill(color, 'ppm', { roi: [4, 2, 9, 9] })).toString()).toBe('2x2 RGB565');
    expect(decodePng(saveStill(grey, 'png', { roi: [1, 1, 2, 2] })).width).toBe(6);
    expect(osError(() => saveStill(grey, 'png', { roi: [9, 9, 2, 2] }))).toBe('No intersection!');
  });

  it('validates quality as Image.save does, and rejects unknown formats', () => {
    expect(osError(() => saveStill(grey, 'bmp', { quality: 0 }))).toBe('Error: 1 <= quality <= 100!');
    expect(osError(() => saveStill(grey, 'bmp', { quality: 101 }))).toBe('Error: 1 <= quality <= 100!');
    expect(() => saveStill(grey, 'jpg' as 'bmp')).toThrow(ValueError);
  });

  it('passes the format errors through', () => {
    expect(osError(() => saveStill(color, 'pgm'))).toBe('Image is not PGM!');
    expect(osError(() => saveStill(grey, 'ppm'))).toBe('Image is not PPM!');
    expect(osError(() => saveStill(new Image(2, 2, PIXFORMAT.BAYER_BGGR), 'bmp'))).toBe('Image is not BMP!');
    expect(() => saveStill(new Image(2, 2, PIXFORMAT.JPEG, new Uint8Array(4)), 'png')).toThrow(ValueError);
  });
});
