import { SHARE_INBOX_CACHE, SHARE_NAME_HEADER, SHARE_TARGET_FLAG } from './share-inbox';

/** Where launched files came from. */
export type LaunchSource = 'launch-queue' | 'share-target';

/** Detail of the window event `omv-files-launched`, dispatched on every delivery. */
export interface FilesLaunchedDetail {
  source: LaunchSource;
  names: string[];
  files: File[];
}

// File Handling API (manifest `file_handlers`): not in TypeScript's DOM lib yet.
interface LaunchParams {
  readonly targetURL?: string;
  readonly files: readonly FileSystemHandle[];
}
interface LaunchQueue {
  setConsumer(consumer: (params: LaunchParams) => void): void;
}

declare global {
  interface WindowEventMap {
    'omv-files-launched': CustomEvent<FilesLaunchedDetail>;
  }
}

const subscribers = new Set<(files: File[]) => void>();
/** Files that arrived while nobody listened; the first subscriber gets them. */
let pending: File[] = [];
let started = false;

/**
 * Delivers files the app was opened with: OS "open with" (manifest `file_handlers`, through
 * `launchQueue`) and files shared to the installed app (`share_target`, parked in Cache Storage by the
 * service worker, which redirects to `/?share-target=1`). Each delivery also fires the window event
 * `omv-files-launched`. Deliveries are asynchronous. Files that arrived before the first subscriber
 * (see {@link captureLaunchedFiles}) are handed to it at once; later subscribers get later files only.
 */
export function listenForLaunchedFiles(onFiles: (files: File[]) => void): void {
  subscribers.add(onFiles);
  captureLaunchedFiles();
  if (pending.length > 0) {
    const files = pending;
    pending = [];
    queueMicrotask(() => onFiles(files));
  }
}

/**
 * Starts reading the launch sources (once per page) without a subscriber yet, so nothing is lost while
 * the app is still starting: `launchQueue` needs its consumer early, and the share inbox is read once.
 */
export function captureLaunchedFiles(): void {
  if (started) return;
  started = true;
  const queue = (window as Window & { launchQueue?: LaunchQueue }).launchQueue;
  queue?.setConsumer((params) => {
    void filesFromHandles(params.files).then((files) => deliver('launch-queue', files));
  });
  const url = new URL(location.href);
  if (url.searchParams.has(SHARE_TARGET_FLAG)) {
    void takeSharedFiles()
      .then((files) => deliver('share-target', files))
      .catch((e: unknown) => console.warn('Could not read the shared files', e))
      .finally(() => {
        // Drop the flag, so a reload or a bookmark does not look for shares again.
        url.searchParams.delete(SHARE_TARGET_FLAG);
        history.replaceState(history.state, '', url.pathname + url.search + url.hash);
      });
  }
}

function deliver(source: LaunchSource, files: File[]): void {
  if (files.length === 0) return;
  if (subscribers.size === 0) pending = [...pending, ...files];
  for (const onFiles of subscribers) onFiles(files);
  const detail: FilesLaunchedDetail = { source, names: files.map((f) => f.name), files };
  window.dispatchEvent(new CustomEvent('omv-files-launched', { detail }));
}

function isFileHandle(h: FileSystemHandle): h is FileSystemFileHandle {
  return h.kind === 'file';
}

async function filesFromHandles(handles: readonly FileSystemHandle[]): Promise<File[]> {
  const files: File[] = [];
  for (const handle of handles) {
    if (!isFileHandle(handle)) continue;
    try {
      files.push(await handle.getFile());
    } catch (e) {
      console.warn(`Could not open ${handle.name}`, e);
    }
  }
  return files;
}

/** Reads and removes every parked share, oldest first (Cache Storage keeps insertion order). */
async function takeSharedFiles(): Promise<File[]> {
  if (typeof caches === 'undefined') return [];
  const cache = await caches.open(SHARE_INBOX_CACHE);
  const files: File[] = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (response) {
      const blob = await response.blob();
      const encoded = response.headers.get(SHARE_NAME_HEADER);
      const modified = Date.parse(response.headers.get('Last-Modified') ?? '');
      files.push(
        new File([blob], encoded ? decodeURIComponent(encoded) : 'shared.bin', {
          type: blob.type,
          lastModified: Number.isNaN(modified) ? Date.now() : modified,
        }),
      );
    }
    await cache.delete(request);
  }
  return files;
}
