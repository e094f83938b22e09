import type { ByteStore } from '../format/byte-store';
import { ceil16 } from '../format/bytes';
import { MAGIC_LENGTH, headerLength, magicBytes } from '../format/chunk';
import { FileImageIO } from '../format/file-stream';
import type { RecoveredInfo } from './recorder.protocol';

/**
 * Repairs, in place, a recording a crash interrupted, so it opens cleanly everywhere (the firmware's
 * reader too): a damaged tail (a chunk cut short) is cut off at the last complete frame; a last chunk
 * whose zero padding is missing gets it back (B §2.3: every payload is padded to 16); a file the crash
 * left shorter than its magic (created, never flushed) becomes an empty V2.0 stream. Anything else that
 * is not a stream throws, as opening it does. Flushes; the caller closes the store.
 */
export function recoverRecording(store: ByteStore): RecoveredInfo {
  const size = store.size();
  if (size < MAGIC_LENGTH) {
    const head = new Uint8Array(size);
    store.readInto(0, head);
    const magic = magicBytes(20);
    if (head.every((b, i) => b === magic[i])) {
      store.truncate(0);
      store.write(0, magic);
      store.flush();
      return { frames: 0, bytes: MAGIC_LENGTH, durationMs: 0, truncatedBytes: 0, version: 'V2.0' };
    }
  }
  const io = new FileImageIO(store, 'r');
  const version = io.version();
  let truncatedBytes = 0;
  if (io.damage()) {
    truncatedBytes = size - io.dataEnd();
    store.truncate(io.dataEnd());
  }
  const count = io.count();
  if (count > 0) {
    const last = io.frameInfo(count - 1);
    const chunkEnd = last.offset + headerLength(version) + ceil16(last.payload);
    // truncate() past the end extends with zeros: exactly the padding the chunk lacks.
    if (chunkEnd > store.size()) store.truncate(chunkEnd);
  }
  store.flush();
  return {
    frames: count,
    bytes: store.size(),
    durationMs: io.durationMs(),
    truncatedBytes,
    version: `V${Math.floor(version / 10)}.${version % 10}`,
  };
}
