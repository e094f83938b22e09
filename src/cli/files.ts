import { renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ImageIO, ValueError, type ByteStore, type FileImageIO } from '../format/index';
import { CliError, describeSystemError, isEngineError, isSystemError, onFile } from './errors';
import { NodeFileStore } from './node-file-store';

/**
 * The commands' file handling: opening a stream with every failure worded for the user, naming the
 * user's file in read/write errors, and writing outputs so that a failure never leaves a half file.
 */

/**
 * Opens `file` as an ImageIO stream, turning every way that can fail into one worded line: the file
 * cannot be opened, is a directory, or holds something other than an ImageIO stream this tool reads.
 */
export function openStream(file: string): FileImageIO {
  return openSource(file).stream;
}

/** `openStream`, also returning the store it reads (repair needs both). */
export function openSource(file: string): { stream: FileImageIO; store: ByteStore } {
  const raw = onFile('open', file, () => {
    // Linux lets open(2) succeed on a directory; only the first read fails. Say so at once instead.
    if (statSync(file).isDirectory()) throw new CliError(`cannot open '${file}': is a directory`);
    return new NodeFileStore(file, 'r');
  });
  const store = guardedStore(raw, file);
  try {
    return { stream: ImageIO.open(store, 'r'), store };
  } catch (err) {
    raw.close();
    if (!isEngineError(err)) throw err;
    if (raw.size() === 0) throw new CliError(`'${file}' is not an OpenMV ImageIO stream (the file is empty)`);
    const kind = err instanceof ValueError ? 'a supported OpenMV ImageIO stream' : 'an OpenMV ImageIO stream';
    throw new CliError(`'${file}' is not ${kind} (${err.message})`);
  }
}

/** A store whose read and write failures name the user's file (never our temporary one). */
export function guardedStore(store: ByteStore, path: string): ByteStore {
  return {
    size: () => store.size(),
    readInto: (offset, into) => onFile('read', path, () => store.readInto(offset, into)),
    write: (offset, data) => onFile('write', path, () => store.write(offset, data)),
    truncate: (size) => onFile('write', path, () => store.truncate(size)),
    flush: () => onFile('write', path, () => store.flush()),
    close: () => store.close(),
  };
}

/** Refuses an output that is the input itself: by path, or by inode (a hard link or a symlink to it). */
export function refuseToOverwrite(input: string, output: string): void {
  if (resolve(input) === resolve(output) || sameFile(input, output)) {
    throw new CliError(`refusing to write over the input file '${input}': choose another output file`);
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false; // one of them does not exist: they cannot be the same file
  }
}

/**
 * Checks that `out` can be written (its folder exists, it is not a folder) and names a temporary file
 * beside it, on the same file system so the final rename is atomic.
 */
function tempBeside(out: string): string {
  const dir = dirname(out);
  let isDir: boolean;
  try {
    isDir = statSync(out).isDirectory();
  } catch {
    isDir = false;
  }
  if (isDir) throw new CliError(`cannot write '${out}': is a directory`);
  let dirOk: boolean;
  try {
    dirOk = statSync(dir).isDirectory();
  } catch (err) {
    if (isSystemError(err) && err.code !== 'ENOENT' && err.code !== 'ENOTDIR') {
      throw new CliError(`cannot write '${out}': ${describeSystemError(err)}`);
    }
    dirOk = false;
  }
  if (!dirOk) throw new CliError(`cannot write '${out}': no such directory '${dir}'`);
  return join(dir, `.${basename(out)}.${process.pid}-${Date.now().toString(36)}.tmp`);
}

function discard(tmp: string): void {
  try {
    unlinkSync(tmp);
  } catch {
    // Never created, or already gone: nothing to clean up.
  }
}

/**
 * Calls `fill(tmp)` to write a temporary file beside `out`, then renames it onto `out` (atomic on one
 * file system). On any failure the temporary file is removed and `out` is left as it was.
 */
export function writeViaTemp<T>(out: string, fill: (tmp: string) => T): T {
  const tmp = tempBeside(out);
  try {
    const result = onFile('write', out, () => fill(tmp));
    onFile('write', out, () => renameSync(tmp, out));
    return result;
  } catch (err) {
    discard(tmp);
    throw err;
  }
}

/** `writeViaTemp` for work that awaits: the rename happens only once `fill` has finished. */
export async function writeViaTempAsync<T>(out: string, fill: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = tempBeside(out);
  try {
    let result: T;
    try {
      result = await fill(tmp);
    } catch (err) {
      // A full disk or a lost folder names the user's file, never our temporary one.
      if (isSystemError(err)) throw new CliError(`cannot write '${out}': ${describeSystemError(err)}`);
      throw err;
    }
    onFile('write', out, () => renameSync(tmp, out));
    return result;
  } catch (err) {
    discard(tmp);
    throw err;
  }
}
