/**
 * Where the library's stream files live in the origin private file system. Shared by the page (which
 * copies imports in with a writable stream) and workers (which read through sync access handles), so
 * both name the same directory.
 */
export const RECORDINGS_DIR = 'recordings';

/** The recordings directory, created on first use. */
export async function recordingsDirectory(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(RECORDINGS_DIR, { create: true });
}

/** The OPFS file name of a recording id. */
export const recordingFileName = (id: string): string => `rec-${id}.bin`;
