import { expect, test, type Locator, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Image, ImageIO, ManualClock, MemoryStore, PIXFORMAT } from '../src/format/index';

/**
 * The library journey on the production build: import (through `<omv-library>.importFiles`), the
 * metadata it lists, the bytes kept in OPFS, rename, reload, download, delete, and the ways an import
 * must leave nothing behind (not a stream, cancelled). Each test runs in a fresh browser context, so
 * OPFS and IndexedDB start empty.
 */

/** What the page returns of a record (a Blob does not cross `evaluate`). */
interface RecordView {
  id: string;
  name: string;
  fileName: string;
  bytes: number;
  version: string;
  frames: number;
  durationMs: number;
  formats: string[];
  width: number;
  height: number;
  thumbnail: { type: string; size: number } | null;
  damage: { frameIndex: number; offset: number; reason: string } | null;
  origin: string;
}

/** The slice of RecordingsRepository the tests call in the page (e2e cannot import src/storage). */
interface RepoLike {
  list(): Promise<(Omit<RecordView, 'thumbnail'> & { thumbnail: Blob | null })[]>;
  getFile(id: string): Promise<File>;
  opfsName(id: string): Promise<string>;
  importFile(
    file: File,
    opts?: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<unknown>;
}

interface LibraryLike extends HTMLElement {
  importFiles(files: File[]): Promise<{ id: string; name: string }[]>;
}

type PageWindow = Window & {
  __libraryPlays?: string[];
  __pendingImport?: Promise<unknown>;
};

/** 5 RGB565 frames 64×48, then 5 GRAYSCALE frames 80×60, 100 ms apart: 1.0 s in all. */
function buildStream(): Uint8Array {
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
  for (let i = 0; i < 5; i++) {
    const data = new Uint8Array(64 * 48 * 2);
    for (let p = 0; p < data.length; p++) data[p] = (p * 7 + i * 31) & 0xff;
    io.write(new Image(64, 48, PIXFORMAT.RGB565, data), { elapsedMs: 100 });
  }
  for (let i = 0; i < 5; i++) {
    const data = new Uint8Array(80 * 60);
    for (let p = 0; p < data.length; p++) data[p] = (p + i * 13) & 0xff;
    io.write(new Image(80, 60, PIXFORMAT.GRAYSCALE, data), { elapsedMs: 100 });
  }
  io.close();
  return store.bytes().slice();
}

/** One 256×256 GRAYSCALE frame (a 65,568-byte chunk after the 16-byte magic), for big files built in the page. */
function buildOneFrame(): Uint8Array {
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
  io.write(new Image(256, 256, PIXFORMAT.GRAYSCALE, new Uint8Array(256 * 256).fill(90)), { elapsedMs: 40 });
  io.close();
  return store.bytes().slice();
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function openLibrary(page: Page): Promise<Locator> {
  await page.goto('/');
  await page.waitForFunction(() => {
    const app = document.querySelector('omv-app') as unknown as { services?: { library?: unknown } } | null;
    return !!app?.services?.library;
  });
  const library = page.locator('omv-library');
  await expect(library.getByRole('heading', { name: 'Library', exact: true })).toBeVisible();
  // The app hands the repository to the element on its next render; the storage line shows it arrived.
  await expect(library.locator('#storage-line')).toBeVisible();
  return library;
}

/** Imports `bytes` as a File named `name` through the element's public method, as the app's "Keep in library" does. */
async function importBytes(library: Locator, bytes: Uint8Array, name: string) {
  return library.evaluate(
    async (el, { data, name }) => {
      const raw = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      return (el as LibraryLike).importFiles([new File([raw], name)]);
    },
    { data: b64(bytes), name },
  );
}

/** Every record, as the repository lists it (thumbnails summarised). */
function listRecords(page: Page): Promise<RecordView[]> {
  return page.evaluate(async () => {
    const app = document.querySelector('omv-app') as unknown as { services: { library: RepoLike } };
    const all = await app.services.library.list();
    return all.map((r) => ({
      ...r,
      thumbnail: r.thumbnail ? { type: r.thumbnail.type, size: r.thumbnail.size } : null,
    }));
  });
}

/** Every entry in the library's OPFS directory, swap files included. */
function opfsEntries(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    let dir: FileSystemDirectoryHandle;
    try {
      dir = await root.getDirectoryHandle('recordings');
    } catch {
      return [];
    }
    const names: string[] = [];
    for await (const key of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
    return names.sort();
  });
}

test('a kept recording is listed, keeps its bytes, renames, survives a reload, downloads and deletes', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const bytes = buildStream();
  const library = await openLibrary(page);
  await expect(library.getByText('No recordings yet')).toBeVisible();
  await expect(library.locator('#storage-line')).toHaveText(
    /^Storage: [\d.]+ (B|kB|MB|GB) used of [\d.]+ (kB|MB|GB|TB) available$/,
  );

  const kept = await importBytes(library, bytes, 'walk.bin');
  expect(kept).toHaveLength(1);
  const items = library.getByRole('list', { name: 'Recordings' }).getByRole('listitem');
  await expect(items).toHaveCount(1);
  const item = items.first();
  await expect(item.getByRole('heading', { name: 'walk.bin' })).toBeVisible();
  await expect(item.locator('[data-field="frames"]')).toHaveText('10 frames');
  await expect(item.locator('[data-field="duration"]')).toHaveText('duration 00:01.0');
  await expect(item.locator('[data-field="formats"]')).toHaveText('RGB565, GRAYSCALE');
  await expect(item.locator('[data-field="size"]')).toHaveText(`${(bytes.length / 1000).toFixed(1)} kB`);
  const thumb = item.getByRole('img', { name: 'walk.bin' });
  await expect(thumb).toBeVisible();
  await expect.poll(() => thumb.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(160);
  await expect(library.getByRole('status')).toHaveText('Kept “walk.bin” in the library.');

  const [record] = await listRecords(page);
  expect(record).toMatchObject({
    name: 'walk.bin',
    fileName: `rec-${kept[0]?.id}.bin`,
    bytes: bytes.length,
    version: 'V2.0',
    frames: 10,
    durationMs: 1000,
    formats: ['RGB565', 'GRAYSCALE'],
    width: 80,
    height: 60,
    thumbnail: { type: 'image/png' },
    damage: null,
    origin: 'imported',
  });
  expect(await opfsEntries(page)).toEqual([record?.fileName]);

  // The OPFS copy is the original, byte for byte.
  const stored = await page.evaluate(async (id) => {
    const app = document.querySelector('omv-app') as unknown as { services: { library: RepoLike } };
    const file = await app.services.library.getFile(id);
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    return { name: file.name, size: file.size, hex, opfs: await app.services.library.opfsName(id) };
  }, record!.id);
  expect(stored).toEqual({
    name: 'walk.bin',
    size: bytes.length,
    hex: sha256(bytes),
    opfs: record!.fileName,
  });

  // Play announces the recording's id to the app, across shadow roots.
  await page.evaluate(() => {
    const w = window as PageWindow;
    w.__libraryPlays = [];
    document.addEventListener('library-play', (e) =>
      w.__libraryPlays!.push((e as CustomEvent<{ id: string }>).detail.id),
    );
  });
  await item.getByRole('button', { name: 'Play walk.bin' }).click();
  expect(await page.evaluate(() => (window as PageWindow).__libraryPlays)).toEqual([record!.id]);
  // The player opens it from OPFS and takes the focus (so Space pauses): wait for that before going on.
  await expect(page.locator('omv-app .current')).toContainText('Playing: walk.bin');
  await expect(page.locator('omv-frame-info [data-field=frame]')).toHaveText('1 / 10');
  await expect(page.getByRole('region', { name: 'Player' })).toBeFocused();

  // Rename with the keyboard: Escape cancels, Enter saves.
  const renameButton = item.getByRole('button', { name: 'Rename walk.bin' });
  await renameButton.focus();
  await page.keyboard.press('Enter');
  const field = item.getByRole('textbox', { name: 'New name for walk.bin' });
  await expect(field).toBeFocused();
  await page.keyboard.type('discarded');
  await page.keyboard.press('Escape');
  await expect(field).toHaveCount(0);
  await expect(renameButton).toBeFocused();
  await renameButton.click();
  await field.fill('  Garden walk  ');
  await field.press('Enter');
  await expect(item.getByRole('heading', { name: 'Garden walk' })).toBeVisible();
  await expect(item.getByRole('img', { name: 'Garden walk' })).toBeVisible();

  // An empty name is refused with a line, and the old name stays.
  await item.getByRole('button', { name: 'Rename Garden walk' }).click();
  await item.getByRole('textbox', { name: 'New name for Garden walk' }).fill('   ');
  await item.getByRole('textbox', { name: 'New name for Garden walk' }).press('Enter');
  await expect(library.getByRole('alert')).toHaveText('Could not rename: A recording needs a name');
  await expect(item.getByRole('heading', { name: 'Garden walk' })).toBeVisible();

  await page.reload();
  const again = await openLibrary(page);
  const reloaded = again.getByRole('list', { name: 'Recordings' }).getByRole('listitem');
  await expect(reloaded).toHaveCount(1);
  await expect(reloaded.first().getByRole('heading', { name: 'Garden walk' })).toBeVisible();
  await expect(reloaded.first().locator('[data-field="frames"]')).toHaveText('10 frames');

  const downloading = page.waitForEvent('download');
  await reloaded.first().getByRole('button', { name: 'Download Garden walk' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('Garden walk.bin');
  expect(sha256(new Uint8Array(await readFile(await download.path())))).toBe(sha256(bytes));

  // Delete asks first, inline; "Keep" backs out.
  await reloaded.first().getByRole('button', { name: 'Delete Garden walk', exact: true }).click();
  await expect(reloaded.first().getByRole('button', { name: 'Keep Garden walk' })).toBeFocused();
  await reloaded.first().getByRole('button', { name: 'Keep Garden walk' }).click();
  await reloaded.first().getByRole('button', { name: 'Delete Garden walk', exact: true }).click();
  await reloaded.first().getByRole('button', { name: 'Yes, delete Garden walk' }).click();
  await expect(again.getByRole('listitem')).toHaveCount(0);
  await expect(again.getByText('No recordings yet')).toBeVisible();
  expect(await listRecords(page)).toEqual([]);
  expect(await opfsEntries(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test('a file that is not a stream is refused with one line and leaves nothing behind', async ({ page }) => {
  const library = await openLibrary(page);
  const text = new TextEncoder().encode('These are my notes, not a recording at all.\n');
  expect(await importBytes(library, text, 'notes.bin')).toEqual([]);
  await expect(library.getByRole('alert')).toHaveText(
    '"notes.bin" is not an OpenMV ImageIO stream (it does not start with "OMV IMG STR")',
  );

  const future = buildStream();
  future.set(new TextEncoder().encode('OMV IMG STR V3.0'), 0);
  expect(await importBytes(library, future, 'future.bin')).toEqual([]);
  await expect(library.getByRole('alert')).toHaveText(
    '"future.bin" is an ImageIO stream of a version this app cannot read (it reads V1.0, V1.1, V2.0 and V2.1)',
  );

  // The repository rethrows the engine's error name with the explanation as its message.
  const refused = await page.evaluate(async () => {
    const app = document.querySelector('omv-app') as unknown as { services: { library: RepoLike } };
    try {
      await app.services.library.importFile(new File(['not a stream, long enough to hold a magic'], 'x.bin'));
      return null;
    } catch (e) {
      return { name: (e as Error).name, message: (e as Error).message };
    }
  });
  expect(refused).toEqual({
    name: 'OSError',
    message: '"x.bin" is not an OpenMV ImageIO stream (it does not start with "OMV IMG STR")',
  });
  expect(await listRecords(page)).toEqual([]);
  expect(await opfsEntries(page)).toEqual([]);
  await expect(library.getByText('No recordings yet')).toBeVisible();
});

test('cancelling an import mid-copy leaves no file and no record', async ({ page }) => {
  const library = await openLibrary(page);
  const frame = b64(buildOneFrame());

  // Repository level: a 64 MB stream built in the page, aborted on the first progress report.
  const outcome = await page.evaluate(async (data) => {
    const raw = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const parts: Uint8Array[] = [raw.slice(0, 16)];
    const chunk = raw.slice(16);
    for (let i = 0; i < 1000; i++) parts.push(chunk);
    const file = new File(parts as BlobPart[], 'big.bin');
    const app = document.querySelector('omv-app') as unknown as { services: { library: RepoLike } };
    const controller = new AbortController();
    const seen: number[] = [];
    try {
      await app.services.library.importFile(file, {
        signal: controller.signal,
        onProgress: (done) => {
          seen.push(done);
          controller.abort();
        },
      });
      return { size: file.size, error: null, seen };
    } catch (e) {
      return { size: file.size, error: (e as Error).name, seen };
    }
  }, frame);
  expect(outcome.size).toBeGreaterThan(64_000_000);
  expect(outcome.error).toBe('AbortError');
  expect(outcome.seen.length).toBeGreaterThan(0);
  expect(outcome.seen[0]).toBeLessThan(outcome.size);
  expect(await opfsEntries(page)).toEqual([]);
  expect(await listRecords(page)).toEqual([]);

  // UI level: a file whose bytes arrive only as far as the first chunk, cancelled with the Cancel button.
  await library.evaluate((el, data) => {
    const raw = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const parts: Uint8Array[] = [raw.slice(0, 16)];
    const chunk = raw.slice(16);
    for (let i = 0; i < 1000; i++) parts.push(chunk);
    class StalledFile extends File {
      override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
        const first = this.slice(0, 65536);
        let sent = false;
        return new ReadableStream({
          async pull(controller) {
            if (sent) return new Promise<void>(() => {}); // the rest never comes
            sent = true;
            controller.enqueue(new Uint8Array(await first.arrayBuffer()));
          },
        });
      }
    }
    const file = new StalledFile(parts as BlobPart[], 'stalled.bin');
    (window as PageWindow).__pendingImport = (el as LibraryLike).importFiles([file]);
  }, frame);
  const bar = library.getByRole('progressbar');
  await expect(bar).toHaveAttribute('aria-valuenow', '0'); // 64 KiB of 65 MB rounds to 0 %
  await expect(bar).toHaveAttribute('aria-valuetext', /^65\.5 kB of 65\.6 MB$/);
  await library.getByRole('button', { name: 'Cancel', exact: true }).click();
  expect(await page.evaluate(() => (window as PageWindow).__pendingImport)).toEqual([]);
  await expect(library.getByRole('status')).toHaveText(
    'Import cancelled: nothing was kept from “stalled.bin”.',
  );
  await expect(bar).toHaveCount(0);
  expect(await opfsEntries(page)).toEqual([]);
  expect(await listRecords(page)).toEqual([]);
});

test('a truncated stream is kept with its damage recorded', async ({ page }) => {
  const library = await openLibrary(page);
  const whole = buildStream();
  const cut = whole.slice(0, whole.length - 100);
  const lastFrameAt = whole.length - (32 + 80 * 60);
  expect(await importBytes(library, cut, 'cut.bin')).toHaveLength(1);
  const [record] = await listRecords(page);
  expect(record).toMatchObject({
    frames: 9,
    durationMs: 900,
    bytes: cut.length,
    formats: ['RGB565', 'GRAYSCALE'],
  });
  expect(record?.damage).toEqual({
    frameIndex: 9,
    offset: lastFrameAt,
    reason: `truncated frame: payload of 4800 bytes, ${4800 - 100} present`,
  });
  const item = library.getByRole('listitem').first();
  await expect(item.locator('[data-field="frames"]')).toHaveText('9 frames');
  await expect(item.locator('[data-field="duration"]')).toHaveText('duration 00:00.9');
  await expect(item.locator('[data-field="damage"]')).toContainText(
    `readable up to frame 9 (byte ${lastFrameAt}): truncated frame`,
  );
  expect(await opfsEntries(page)).toEqual([record?.fileName]);
});

test('a file larger than the storage left is refused as "not enough storage space" and leaves nothing', async ({
  page,
}) => {
  const library = await openLibrary(page);
  // Chromium's DevTools protocol shrinks this origin's quota. `estimate()` keeps reporting the old one
  // here, so the repository's up-front check passes and the copy itself hits QuotaExceededError.
  const cdp = await page.context().newCDPSession(page);
  // 2 MB above what the origin already uses (the service worker's precache counts too).
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(page.url()).origin,
    quotaSize: usage + 2_000_000,
  });
  const frame = b64(buildOneFrame());
  const kept = await library.evaluate(async (el, data) => {
    const raw = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const chunk = raw.slice(16);
    const parts: Uint8Array[] = [raw.slice(0, 16)];
    for (let i = 0; i < 100; i++) parts.push(chunk);
    return (el as LibraryLike).importFiles([new File(parts as BlobPart[], 'large.bin')]);
  }, frame);
  expect(kept).toEqual([]);
  // Either path (the check before copying, or the copy failing) gives one line that names the file.
  await expect(library.getByRole('alert')).toHaveText(
    /^Not enough storage space: "large\.bin" (needs|\(6\.6 MB\))/,
  );
  expect(await opfsEntries(page)).toEqual([]);
  expect(await listRecords(page)).toEqual([]);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin });
});
