import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import type { ByteStore } from '../format/byte-store';

/**
 * A ByteStore over a Node file descriptor: the command line's and the benchmarks' way to the engine.
 * 'r' opens read-only, 'w' creates or truncates, 'r+' opens for reading and writing.
 */
export class NodeFileStore implements ByteStore {
  private fd: number | null;
  private length: number;

  constructor(path: string, mode: 'r' | 'w' | 'r+' = 'r') {
    this.fd = openSync(path, mode === 'w' ? 'w+' : mode);
    this.length = fstatSync(this.fd).size;
  }

  size(): number {
    return this.length;
  }

  readInto(offset: number, into: Uint8Array): number {
    // One call is the rule (a regular file returns all it has); loop only after a short read.
    let done = readSync(this.handle(), into, 0, into.length, offset);
    if (done === into.length || done === 0) return done;
    while (done < into.length && offset + done < this.length) {
      const n = readSync(this.handle(), into, done, into.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  write(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length)
      done += writeSync(this.handle(), data, done, data.length - done, offset + done);
    this.length = Math.max(this.length, offset + data.length);
  }

  truncate(size: number): void {
    ftruncateSync(this.handle(), size);
    this.length = size;
  }

  flush(): void {
    fsyncSync(this.handle());
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private handle(): number {
    if (this.fd === null) throw new Error('File is closed');
    return this.fd;
  }
}
