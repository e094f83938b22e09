import { decode, encode } from 'jpeg-js';
import { Image, PIXFORMAT } from '../src/format/index';
import { encodeJpeg, type JpegSubsampling } from '../src/format/jpeg/index';
import { psnr, rgbaToGray, rgbaToRgb565, sceneRgba } from '../src/format/test/jpeg-support';
import { toRgba } from '../src/format/pixels/index';
import { report, time, type Suite } from './harness';

const WIDTH = 640;
const HEIGHT = 480;
/** The budget the encoder is held to for one VGA colour frame. */
const TARGET_MS = 20;

/** PSNR (dB) of a JPEG against the RGBA it was made from, decoded by jpeg-js. */
function quality(jpeg: Uint8Array, reference: Uint8ClampedArray): number {
  const decoded = decode(jpeg, { useTArray: true, formatAsRGBA: true });
  return psnr(decoded.data, 4, reference, 4, WIDTH * HEIGHT);
}

/**
 * JPEG encoding of VGA frames (a camera-like scene with sensor noise), RGB565 and GRAYSCALE, against
 * jpeg-js's encoder at the same quality on the same pixels (the RGBA the camera shows). jpeg-js always
 * writes 3-component 4:4:4, so its grey figures carry two flat chroma planes.
 */
export const suite: Suite = {
  name: 'jpeg',
  async run() {
    const scene = sceneRgba(WIDTH, HEIGHT, 11, 6);
    const rgb565 = new Image(WIDTH, HEIGHT, PIXFORMAT.RGB565, rgbaToRgb565(scene, WIDTH, HEIGHT));
    const gray = new Image(WIDTH, HEIGHT, PIXFORMAT.GRAYSCALE, rgbaToGray(scene, WIDTH, HEIGHT));
    const rows: { frame: Image; q: number; subsampling: JpegSubsampling; label: string }[] = [
      { frame: rgb565, q: 90, subsampling: '420', label: '4:2:0' },
      { frame: rgb565, q: 90, subsampling: 'auto', label: 'AUTO = 4:4:4' },
      { frame: rgb565, q: 50, subsampling: 'auto', label: 'AUTO = 4:2:2' },
      { frame: gray, q: 90, subsampling: 'auto', label: '1 component' },
      { frame: gray, q: 50, subsampling: 'auto', label: '1 component' },
    ];
    for (const { frame, q, subsampling, label } of rows) {
      const rgba = toRgba(frame);
      const ours = encodeJpeg(frame, { quality: q, subsampling });
      const theirs = new Uint8Array(encode({ width: WIDTH, height: HEIGHT, data: rgba }, q).data);
      const value = await time(() => encodeJpeg(frame, { quality: q, subsampling }), {
        minRuns: 20,
        minMs: 1000,
      });
      const baseline = await time(() => encode({ width: WIDTH, height: HEIGHT, data: rgba }, q), {
        minRuns: 10,
        minMs: 1000,
      });
      const colour = frame.pixformat !== PIXFORMAT.GRAYSCALE;
      const budget = colour ? `; under ${TARGET_MS} ms: ${value.medianMs < TARGET_MS ? 'yes' : 'NO'}` : '';
      report({
        name: `encodeJpeg ${frame.toString()} q=${q} ${label}`,
        value,
        baselineName: `jpeg-js encode q=${q} 4:4:4`,
        baseline,
        note:
          `bytes ${ours.length} vs ${theirs.length} (${((100 * ours.length) / theirs.length).toFixed(0)}%), ` +
          `PSNR ${quality(ours, rgba).toFixed(2)} vs ${quality(theirs, rgba).toFixed(2)} dB${budget}`,
      });
    }
  },
};
