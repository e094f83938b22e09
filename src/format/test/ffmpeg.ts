import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/**
 * ffmpeg and ffprobe as the outside judge of the files the project writes (CI installs Debian's ffmpeg).
 * Tests that need them skip, saying why, where they are missing.
 */
const found = (tool: string): boolean => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status === 0;

/** True when both ffprobe and ffmpeg are on PATH. */
export const hasFfmpeg = found('ffprobe') && found('ffmpeg');

/** The reason printed by tests that skip without them. */
export const NO_FFMPEG = 'ffprobe/ffmpeg not found on PATH (install ffmpeg, e.g. apt-get install ffmpeg)';

/** What ffprobe says of the first video stream, counting the frames by decoding them. */
export interface Probe {
  streams: {
    codec_name: string;
    width: number;
    height: number;
    avg_frame_rate: string;
    duration?: string;
    nb_read_frames: string;
  }[];
  format: { duration: string };
}

/** ffprobe of `path`; ffprobe must succeed without a word on stderr. */
export function ffprobe(path: string): Probe {
  const r = spawnSync(
    'ffprobe',
    [
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=nb_read_frames,width,height,codec_name,avg_frame_rate,duration'],
      ...['-show_entries', 'format=duration', '-of', 'json', path],
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Probe;
}

/** ffmpeg decodes every frame: no error output, exit 0. */
export function decodesCleanly(path: string): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

/** The JPEG frames ffmpeg copies out of a Motion-JPEG file (`-c:v copy`), in order, into `dir`. */
export function extractJpegFrames(path: string, dir: string): Uint8Array[] {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-c:v', 'copy', '-f', 'image2', join(dir, '%05d.jpg')],
    {
      encoding: 'utf8',
    },
  );
  expect(r.stderr).toBe('');
  return readdirSync(dir)
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}
