import type { ByteStore } from '../format/byte-store';

/**
 * A read-only ByteStore over a File or Blob, for workers: FileReaderSync reads a slice synchronously,
 * so the engine indexes a picked or dropped file in place without copying it into memory first.
 */
export class BlobStore implements ByteStore {
  private readonly reader = new FileReaderSync();

  constructor(private readonly blob: Blob) {}

  size(): number {
    return this.blob.size;
  }

  readInto(offset: number, into: Uint8Array): number {
    if (offset >= this.blob.size) return 0;
    const end = Math.min(this.blob.size, offset + into.length);
    const bytes = new Uint8Array(this.reader.readAsArrayBuffer(this.blob.slice(offset, end)));
    into.set(bytes);
    return bytes.length;
  }

  write(): void {
    throw new Error('This file is open read-only');
  }

  truncate(): void {
    throw new Error('This file is open read-only');
  }

  flush(): void {}

  close(): void {}
}
