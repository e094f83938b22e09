import type { ByteStore } from '../format/byte-store';

/**
 * A ByteStore over an OPFS sync access handle: the engine's store inside workers (the handle exists only
 * in dedicated workers). Reads and writes go straight to the file; `flush()` makes them durable.
 */
export class OpfsStore implements ByteStore {
  private handle: FileSystemSyncAccessHandle | null;
  private length: number;

  constructor(handle: FileSystemSyncAccessHandle) {
    this.handle = handle;
    this.length = handle.getSize();
  }

  /** Opens (creating if asked) `name` under `dir` for synchronous access. */
  static async open(dir: FileSystemDirectoryHandle, name: string, create = false): Promise<OpfsStore> {
    const file = await dir.getFileHandle(name, { create });
    return new OpfsStore(await file.createSyncAccessHandle());
  }

  size(): number {
    return this.length;
  }

  readInto(offset: number, into: Uint8Array): number {
    if (offset >= this.length) return 0;
    let done = this.live().read(into, { at: offset });
    // A short read before the end is legal: keep going until the buffer is full or the file ends.
    while (done < into.length && offset + done < this.length) {
      const n = this.live().read(into.subarray(done), { at: offset + done });
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  write(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const n = this.live().write(data.subarray(done), { at: offset + done });
      if (n === 0) throw new Error(`OPFS write stalled at byte ${offset + done}`);
      done += n;
    }
    this.length = Math.max(this.length, offset + data.length);
  }

  truncate(size: number): void {
    this.live().truncate(size);
    this.length = size;
  }

  flush(): void {
    this.live().flush();
  }

  close(): void {
    if (!this.handle) return;
    this.handle.close();
    this.handle = null;
  }

  private live(): FileSystemSyncAccessHandle {
    if (!this.handle) throw new Error('OPFS file is closed');
    return this.handle;
  }
}
