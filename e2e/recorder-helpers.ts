import { expect, type Locator, type Page } from '@playwright/test';
import { MemoryStore } from '../src/format/byte-store';
import { FileImageIO } from '../src/format/file-stream';

type FakeWindow = {
  __fakeSerial: {
    control: { demo: Record<string, unknown>; keepFrames: boolean };
    writtenSince(t: number): { t: number; data: string }[];
    unplug(): void;
  };
};

export const liveView = (page: Page): Locator => page.getByRole('region', { name: 'Live view' });
export const recorderRegion = (page: Page): Locator => page.getByRole('region', { name: 'Recorder' });
export const field = (page: Page, name: string): Locator =>
  recorderRegion(page).locator(`[data-field=${name}]`);

/** The number at the start of a field's text ("12", "3.4 s (100 frames)" → 3.4). */
export async function numberIn(locator: Locator): Promise<number> {
  return parseFloat((await locator.textContent())?.trim() ?? 'NaN');
}

/** Connects the app to the fake SerialPort (the emulator behind it keeps every frame it writes). */
export async function connectKeepingFrames(page: Page, demo: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate((d) => {
    const fake = (window as unknown as FakeWindow).__fakeSerial;
    fake.control.demo = d;
    fake.control.keepFrames = true;
  }, demo);
  await page.getByRole('button', { name: 'Connect camera' }).click();
  await expect(liveView(page).getByRole('status').first()).toContainText('Connected', { timeout: 20_000 });
  await expect
    .poll(() => numberIn(liveView(page).locator('[data-field=frames]')), { timeout: 20_000 })
    .toBeGreaterThan(3);
}

/** Page time now (the clock the fake stamps written frames with). */
export const pageNow = (page: Page): Promise<number> => page.evaluate(() => performance.now());

/** The frames the emulated board wrote since page time `t`: pixel data and when. */
export async function writtenSince(page: Page, t: number): Promise<{ t: number; data: Buffer }[]> {
  const list = await page.evaluate(
    (since) => (window as unknown as FakeWindow).__fakeSerial.writtenSince(since),
    t,
  );
  return list.map((w) => ({ t: w.t, data: Buffer.from(w.data, 'base64') }));
}

/** Every recordings file in OPFS, newest last, with its bytes. */
export async function opfsRecordings(page: Page): Promise<{ name: string; bytes: Buffer }[]> {
  const files = await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('recordings', { create: true });
    const out: { name: string; modified: number; b64: string }[] = [];
    for await (const [name, handle] of dir as unknown as AsyncIterable<[string, FileSystemFileHandle]>) {
      const file = await handle.getFile();
      const bytes = new Uint8Array(await file.arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000)
        bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      out.push({ name, modified: file.lastModified, b64: btoa(bin) });
    }
    return out.sort((a, b) => a.modified - b.modified);
  });
  return files.map((f) => ({ name: f.name, bytes: Buffer.from(f.b64, 'base64') }));
}

export interface ParsedStream {
  version: number;
  frames: { data: Buffer; elapsedMs: number; width: number; height: number }[];
  damaged: boolean;
}

/** Reads a stream with the project's engine (what the player does), frame by frame. */
export function parseStream(bytes: Buffer): ParsedStream {
  const io = new FileImageIO(new MemoryStore(new Uint8Array(bytes)), 'r');
  const frames: ParsedStream['frames'] = [];
  for (let i = 0; i < io.count(); i++) {
    const img = io.frameAt(i);
    frames.push({
      data: Buffer.from(img.data),
      elapsedMs: io.frameInfo(i).elapsedMs,
      width: img.width,
      height: img.height,
    });
  }
  return { version: io.version(), frames, damaged: io.damage() !== null };
}

/**
 * Where each recorded frame sits in the board's list of written frames (-1 when none matches byte for
 * byte). The board writes a frame only after the host read the previous one, so written = sent.
 */
export function matchWritten(recorded: { data: Buffer }[], written: { data: Buffer }[]): number[] {
  const byContent = new Map<string, number>();
  written.forEach((w, i) => byContent.set(w.data.toString('base64'), i));
  return recorded.map((f) => byContent.get(f.data.toString('base64')) ?? -1);
}

/** True when `indices` are consecutive: no frame lost, none duplicated, in order. */
export function consecutive(indices: number[]): boolean {
  return indices.every((v, i) => v >= 0 && (i === 0 || v === indices[i - 1]! + 1));
}

/**
 * Checks that every recorded frame is one the camera sent, byte for byte, and that together they are a
 * run of consecutive sent frames (none lost, none duplicated, in order). Returns their places in `written`.
 */
export function expectSentFrames(recorded: { data: Buffer }[], written: { data: Buffer }[]): number[] {
  const at = matchWritten(recorded, written);
  expect(at.filter((i) => i < 0).length, 'recorded frames the camera never sent').toBe(0);
  expect(consecutive(at), 'no frame lost or duplicated between the first and the last').toBe(true);
  return at;
}

/** Clicks "Record"; returns the page time just before, from which the board's frames can be matched. */
export async function startRecording(page: Page): Promise<number> {
  const before = await pageNow(page);
  await recorderRegion(page).getByRole('button', { name: 'Record' }).click();
  return before;
}

/** Waits until the recorder says at least `n` frames are durable in the file. */
export async function framesWritten(page: Page, n: number): Promise<void> {
  await expect.poll(() => numberIn(field(page, 'rec-frames')), { timeout: 30_000 }).toBeGreaterThanOrEqual(n);
}
