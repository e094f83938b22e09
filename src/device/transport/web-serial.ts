import type { ByteLink } from '../protocol/link';
import { CameraLinkError, classifyLinkError, linkMessage } from './errors';

/**
 * USB identities of OpenMV cameras and the Arduino boards that run OpenMV firmware (protocol.md §1.4):
 * the whole OpenMV VID, the old shared pid.codes ID, and exact Arduino PIDs (the bare Arduino VID
 * would match every Arduino).
 */
export const OPENMV_USB_FILTERS: SerialPortFilter[] = [
  { usbVendorId: 0x37c5 },
  { usbVendorId: 0x1209, usbProductId: 0xabd1 },
  ...[0x045b, 0x005b, 0x045f, 0x055f, 0x0466, 0x015a, 0x015e].map((pid) => ({
    usbVendorId: 0x2341,
    usbProductId: pid,
  })),
];

/** The only rate that switches both protocols on (protocol.md §1.2). Never 1200: that is the bootloader touch. */
export const OPENMV_BAUD_RATE = 921600;
/** Chromium's default is 255 bytes, far below one stream packet at USB rates (protocol.md §1.5). */
export const SERIAL_BUFFER_SIZE = 1 << 20;

/** The Web Serial entry point, or null where the browser has none. */
export function webSerial(): Serial | null {
  return typeof navigator !== 'undefined' && 'serial' in navigator ? navigator.serial : null;
}

/** Asks the user for a camera port (needs a user gesture). Rejects with a CameraLinkError ('cancelled', 'unsupported'). */
export async function requestCameraPort(): Promise<SerialPort> {
  const serial = webSerial();
  if (!serial) throw new CameraLinkError('unsupported', linkMessage('unsupported'));
  try {
    return await serial.requestPort({ filters: OPENMV_USB_FILTERS });
  } catch (e) {
    throw classifyLinkError(e, 'request');
  }
}

/** Ports this origin was granted earlier (reconnect on load without a prompt). */
export async function grantedPorts(): Promise<SerialPort[]> {
  const serial = webSerial();
  if (!serial) return [];
  try {
    return await serial.getPorts();
  } catch {
    return [];
  }
}

/** Opens `port` for the camera protocol and wraps it as a ByteLink. */
export async function openWebSerialLink(port: SerialPort): Promise<WebSerialLink> {
  try {
    await port.open({
      baudRate: OPENMV_BAUD_RATE,
      dataBits: 8,
      stopBits: 1,
      parity: 'none',
      flowControl: 'none',
      bufferSize: SERIAL_BUFFER_SIZE,
    });
  } catch (e) {
    throw classifyLinkError(e, 'open');
  }
  const link = new WebSerialLink(port);
  try {
    // Both USB stacks need DTR for protocol mode; do not rely on the browser's default (protocol.md §1.5).
    await port.setSignals({ dataTerminalReady: true, requestToSend: true });
  } catch (e) {
    // A pty (tests) or some adapters reject control lines: carry on, the probe will tell.
    link.signalsError = e instanceof Error ? e.message : String(e);
  }
  return link;
}

/**
 * A SerialPort as a ByteLink: one reader drains `readable` continuously from the moment the port opens
 * (the device's writes time out after 1.5 s otherwise), one writer sends. A lost device (disconnect
 * event or a NetworkError read) ends the link once: `closed(error)` runs, pending and later sends reject.
 * Teardown follows toolchain.md: every step may fail, and the port closes only after both locks are gone
 * (Chromium's `close()` rejects while a stream is locked).
 */
export class WebSerialLink implements ByteLink {
  /** Why setSignals failed, if it did (shown as a hint when detection then fails). */
  signalsError: string | null = null;
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  private onBytes: ((b: Uint8Array) => void) | null = null;
  private onClosed: ((error?: Error) => void) | null = null;
  private backlog: Uint8Array[] = [];
  private endedWith: { error?: Error } | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;
  private readonly pump: Promise<void>;
  private resolveEnded!: (error?: Error) => void;
  /** Settles once the link ends: with the error when the device was lost, undefined after close(). */
  readonly ended: Promise<Error | undefined> = new Promise((resolve) => (this.resolveEnded = resolve));
  private readonly onDisconnect = (): void => this.end(new CameraLinkError('lost', linkMessage('lost')));

  constructor(readonly port: SerialPort) {
    const writable = port.writable;
    if (writable) this.writer = writable.getWriter();
    port.addEventListener('disconnect', this.onDisconnect);
    this.pump = this.drain();
  }

  async send(bytes: Uint8Array): Promise<void> {
    if (this.endedWith)
      throw this.endedWith.error ?? new CameraLinkError('lost', 'The camera link is closed.');
    if (!this.writer) throw new CameraLinkError('failed', 'The serial port cannot be written.');
    try {
      await this.writer.write(bytes);
    } catch (e) {
      const err = classifyLinkError(e, 'run');
      if (err.code === 'lost') this.end(err);
      throw err;
    }
  }

  listen(onBytes: (b: Uint8Array) => void, closed: (error?: Error) => void): void {
    this.onBytes = onBytes;
    this.onClosed = closed;
    const early = this.backlog;
    this.backlog = [];
    for (const b of early) onBytes(b);
    if (this.endedWith) closed(this.endedWith.error);
  }

  /** Stops reading, releases both locks, drops DTR and closes the port; never throws, never hangs on a dead port. */
  close(): Promise<void> {
    this.closed ??= this.teardown();
    return this.closed;
  }

  private async teardown(): Promise<void> {
    this.closing = true;
    const reader = this.reader;
    await reader?.cancel().catch(() => undefined);
    try {
      reader?.releaseLock();
    } catch {
      // Already released by the pump.
    }
    await this.pump;
    const writer = this.writer;
    this.writer = null;
    if (writer) {
      // close() waits for queued writes; on a dead port it may never settle, so abort instead.
      await writer.abort().catch(() => undefined);
      try {
        writer.releaseLock();
      } catch {
        // Nothing to release.
      }
    }
    await this.port.setSignals({ dataTerminalReady: false }).catch(() => undefined);
    await this.port.close().catch(() => undefined);
    this.port.removeEventListener('disconnect', this.onDisconnect);
    this.end();
  }

  private async drain(): Promise<void> {
    // Non-fatal read errors (break, framing, parity, buffer overrun) give a fresh `readable`; a lost
    // device leaves it null (Web Serial spec, "readable" getter).
    while (!this.closing && !this.endedWith && this.port.readable) {
      const reader = this.port.readable.getReader();
      this.reader = reader;
      let finished = false;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            finished = true;
            break;
          }
          if (value && value.length > 0) this.deliver(value);
        }
      } catch (e) {
        if (!this.closing) {
          const err = classifyLinkError(e, 'run');
          if (err.code === 'lost' || !this.port.readable) {
            this.end(
              err.code === 'failed' ? new CameraLinkError('lost', linkMessage('lost'), { cause: e }) : err,
            );
          }
        }
      } finally {
        try {
          reader.releaseLock();
        } catch {
          // Released by close().
        }
        this.reader = null;
      }
      if (this.closing || finished) break;
    }
    if (!this.closing) this.end(new CameraLinkError('lost', linkMessage('lost')));
  }

  private deliver(bytes: Uint8Array): void {
    if (this.onBytes) this.onBytes(bytes);
    else this.backlog.push(bytes);
  }

  /** Ends the link once; an error means it ended on its own (lost), none means close() was called. */
  private end(error?: Error): void {
    if (this.endedWith) return;
    this.endedWith = error ? { error } : {};
    this.resolveEnded(error);
    this.onClosed?.(error);
    if (error && !this.closing) {
      // Release what we can now; the owner still calls close() to finish the port.
      void this.writer?.abort(error).catch(() => undefined);
    }
  }
}
