import { ValueError, type FileImageIO, type Image } from '../format/index';

/** Frames `from`..`to` (inclusive) of a recording, seen as a recording of their own. */
export interface ClipSource {
  count(): number;
  frameInfo(i: number): { elapsedMs: number; width: number; height: number; pixformat: number };
  frameAt(i: number): Image;
}

/** Resolves a frame index where a negative one counts from the end (-1 the last). */
export function resolveFrame(index: number, count: number, what = 'frame'): number {
  const i = index < 0 ? count + index : index;
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new ValueError(`${what} ${index} is out of range: the recording has frames 0 to ${count - 1}`);
  }
  return i;
}

export interface ClipOptions {
  /** First frame (default 0); negative counts from the end. */
  from?: number;
  /** Last frame, inclusive (default the last); negative counts from the end. */
  to?: number;
  /** A constant rate instead of the recorded timing. */
  fps?: number;
}

/**
 * A trimmed view of a recording, optionally retimed to a constant `fps`. Frame 0 of the clip keeps the
 * elapsed value it had; with `fps`, every interval is 1000/fps ms.
 */
export function clipOf(stream: FileImageIO, opts: ClipOptions = {}): ClipSource {
  const total = stream.count();
  if (total === 0) throw new ValueError('The recording holds no complete frame');
  const from = resolveFrame(opts.from ?? 0, total, '--from');
  const to = resolveFrame(opts.to ?? -1, total, '--to');
  if (to < from) throw new ValueError(`--to ${opts.to} comes before --from ${opts.from}`);
  if (opts.fps !== undefined && !(opts.fps > 0 && opts.fps <= 1000)) {
    throw new ValueError(`--fps must be between 0 and 1000, not ${opts.fps}`);
  }
  const interval = opts.fps ? 1000 / opts.fps : null;
  return {
    count: () => to - from + 1,
    frameInfo: (i) => {
      const f = stream.frameInfo(from + i);
      return { ...f, elapsedMs: interval ?? f.elapsedMs };
    },
    frameAt: (i) => stream.frameAt(from + i),
  };
}
