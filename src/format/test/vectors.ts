import { fromHex } from './helpers';

/** The worked example of formats.md B §2.11, in all three versions: golden bytes for every test. */

// formats.md B §2.11: a 4x2 RGB565 frame then a 3x3 GRAYSCALE frame.
export const V20 = fromHex(`
0000: 4F 4D 56 20 49 4D 47 20 53 54 52 20 56 32 2E 30
0010: 21 00 00 00 04 00 00 00 02 00 00 00 02 00 03 0C
0020: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0030: 00 F8 E0 07 1F 00 FF FF 00 00 10 84 E0 FF 34 12
0040: 42 00 00 00 03 00 00 00 03 00 00 00 01 00 02 08
0050: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0060: 00 10 20 30 40 50 60 70 80 00 00 00 00 00 00 00`);

export const V11 = fromHex(`
0000: 4F 4D 56 20 49 4D 47 20 53 54 52 20 56 31 2E 31
0010: 21 00 00 00 04 00 00 00 02 00 00 00 02 00 00 00
0020: 00 F8 E0 07 1F 00 FF FF 00 00 10 84 E0 FF 34 12
0030: 42 00 00 00 03 00 00 00 03 00 00 00 01 00 00 00
0040: 00 10 20 30 40 50 60 70 80 00 00 00 00 00 00 00`);

export const V10 = fromHex(`
0000: 4F 4D 56 20 49 4D 47 20 53 54 52 20 56 31 2E 30
0010: 21 00 00 00 04 00 00 00 02 00 00 00 02 00 00 00
0020: F8 00 07 E0 00 1F FF FF 00 00 84 10 FF E0 12 34
0030: 42 00 00 00 03 00 00 00 03 00 00 00 01 00 00 00
0040: 00 10 20 30 40 50 60 70 80 00 00 00 00 00 00 00`);

/** The two frames of the vector, RGB565 as native little-endian bytes. */
export const rgbPixels = [0xf800, 0x07e0, 0x001f, 0xffff, 0x0000, 0x8410, 0xffe0, 0x1234];
export const rgbBytes = Uint8Array.from(rgbPixels.flatMap((p) => [p & 0xff, p >> 8]));
export const grayBytes = Uint8Array.from([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80]);
