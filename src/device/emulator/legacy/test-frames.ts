/** Test frames for the legacy emulator: JPEG-shaped buffers (SOI, SOF0 with the dimensions, filler, EOI). */
export function syntheticJpeg(w: number, h: number, size: number, fill = 0x55): Uint8Array {
  const b = new Uint8Array(size).fill(fill);
  b.set([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, h >> 8, h & 255, w >> 8, w & 255, 0x03], 0);
  b.set([0xff, 0xd9], size - 2);
  return b;
}
