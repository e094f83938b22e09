import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/**
 * A `SerialPort`-shaped fake for Playwright, installed with `page.addInitScript` before the page loads,
 * whose bytes come from the project's own demo camera (the emulator, bundled for the page by
 * `emulatorBundle()`). It is as strict as Chromium where the app could get it wrong:
 * - `open()` rejects while open (InvalidStateError) and on an unplugged port (NetworkError, "Failed to open").
 * - `close()` rejects with Chromium's TypeError while `readable` or `writable` is locked.
 * - The "board" answers only when opened at 921600 with DTR asserted (protocol.md §1.2, §7 item 1);
 *   bytes sent before that are dropped, as the REPL would eat them.
 * - `unplug()` errors the readable with `NetworkError: The device has been lost.`, makes writes fail,
 *   leaves `readable`/`writable` null and fires `disconnect` on the port and on `navigator.serial`.
 * - `requestPort()` resolves the newest port; `replug()` makes a new one (a re-enumerated device).
 * - `control.silent = true` turns the device into one that never answers (not an OpenMV camera).
 * Tests drive it through `window.__fakeSerial`.
 */
export function installFakeSerial(): void {
  type Link = {
    send(b: Uint8Array): Promise<void>;
    listen(onBytes: (b: Uint8Array) => void, closed: (e?: Error) => void): void;
    close(): Promise<void>;
  };
  type Emulator = {
    createDemoCamera(opts?: Record<string, unknown>): { hostLink: Link; board: unknown; stop(): void };
  };
  const emulator = (globalThis as unknown as { OmvEmulator?: Emulator }).OmvEmulator;
  const log: string[] = [];
  const control: { silent: boolean; demo: Record<string, unknown>; keepFrames: boolean } = {
    silent: false,
    /** Extra options for the next port's demo camera (format, size, fps…). */
    demo: {},
    /** Keep every frame the board writes to its stream buffer, with the page time, in `written`. */
    keepFrames: false,
  };
  const written: { t: number; frame: Uint8Array }[] = [];

  class FakeSerialPort extends EventTarget {
    options: SerialOptions | null = null;
    signals = { dataTerminalReady: false, requestToSend: false };
    unplugged = false;
    readable: ReadableStream<Uint8Array> | null = null;
    writable: WritableStream<Uint8Array> | null = null;
    private ctrl: ReadableStreamDefaultController<Uint8Array> | null = null;
    private wctrl: WritableStreamDefaultController | null = null;
    private demo: ReturnType<Emulator['createDemoCamera']> | null = null;
    onconnect = null;
    ondisconnect = null;
    connected = true;

    getInfo(): SerialPortInfo {
      return { usbVendorId: 0x37c5, usbProductId: 0x1204 };
    }

    async open(options: SerialOptions): Promise<void> {
      log.push(`open ${JSON.stringify(options)}`);
      if (this.unplugged) throw new DOMException('Failed to open serial port.', 'NetworkError');
      if (this.options) throw new DOMException('The port is already open.', 'InvalidStateError');
      if (!emulator) throw new DOMException('Failed to open serial port.', 'NetworkError');
      this.options = options;
      const demo = emulator.createDemoCamera({
        link: 'unlimited',
        ...control.demo,
        onFrame: (frame: Uint8Array) => {
          if (control.keepFrames) written.push({ t: performance.now(), frame: frame.slice() });
        },
      });
      this.demo = demo;
      this.readable = new ReadableStream<Uint8Array>(
        {
          start: (c) => {
            this.ctrl = c;
          },
          cancel: () => {
            this.readable = null;
          },
        },
        { highWaterMark: 0 },
      );
      this.writable = new WritableStream<Uint8Array>({
        start: (c) => {
          this.wctrl = c;
        },
        write: async (chunk) => {
          if (this.unplugged) throw new DOMException('The device has been lost.', 'NetworkError');
          // A device that is not an OpenMV camera in protocol mode: it never answers.
          if (control.silent) {
            log.push(`unanswered ${chunk.length} bytes`);
            return;
          }
          // The board is in protocol mode only at 921600 with DTR (protocol.md §1.2).
          if (this.options?.baudRate !== 921600 || !this.signals.dataTerminalReady) {
            log.push(`dropped ${chunk.length} bytes: not in protocol mode`);
            return;
          }
          await demo.hostLink.send(new Uint8Array(chunk));
        },
      });
      demo.hostLink.listen(
        (bytes) => {
          try {
            this.ctrl?.enqueue(bytes.slice());
          } catch {
            // The readable was cancelled or errored: the bytes go nowhere, as on a real port.
          }
        },
        () => undefined,
      );
    }

    async setSignals(s: SerialOutputSignals): Promise<void> {
      if (!this.options) throw new DOMException('The port is closed.', 'InvalidStateError');
      if (this.unplugged) throw new DOMException('Failed to set control signals.', 'NetworkError');
      if (s.dataTerminalReady !== undefined) this.signals.dataTerminalReady = s.dataTerminalReady;
      if (s.requestToSend !== undefined) this.signals.requestToSend = s.requestToSend;
      log.push(`signals ${JSON.stringify(s)}`);
    }

    async getSignals(): Promise<SerialInputSignals> {
      return { dataCarrierDetect: true, clearToSend: true, ringIndicator: false, dataSetReady: true };
    }

    async close(): Promise<void> {
      if (this.readable?.locked || this.writable?.locked)
        throw new TypeError("Failed to execute 'close' on 'SerialPort': Cannot cancel a locked stream");
      log.push('close');
      this.options = null;
      this.signals.dataTerminalReady = false;
      this.readable = null;
      this.writable = null;
      this.demo?.stop();
      this.demo = null;
    }

    async forget(): Promise<void> {
      await this.close().catch(() => undefined);
    }

    unplug(): void {
      log.push('unplug');
      this.unplugged = true;
      this.connected = false;
      const lost = new DOMException('The device has been lost.', 'NetworkError');
      try {
        this.ctrl?.error(lost);
      } catch {
        // Already errored.
      }
      try {
        this.wctrl?.error(lost);
      } catch {
        // Already errored.
      }
      this.readable = null;
      this.writable = null;
      this.demo?.stop();
      this.demo = null;
      this.dispatchEvent(new Event('disconnect', { bubbles: true }));
      serial.dispatchEvent(new Event('disconnect'));
    }
  }

  const ports: FakeSerialPort[] = [new FakeSerialPort()];
  const granted = new Set<FakeSerialPort>();
  const serial = Object.assign(new EventTarget(), {
    onconnect: null,
    ondisconnect: null,
    async getPorts(): Promise<FakeSerialPort[]> {
      return ports.filter((p) => granted.has(p) && !p.unplugged);
    },
    async requestPort(options?: SerialPortRequestOptions): Promise<FakeSerialPort> {
      log.push(`requestPort ${JSON.stringify(options ?? {})}`);
      const port = ports.at(-1)!;
      const info = port.getInfo();
      const matches =
        !options?.filters?.length ||
        options.filters.some(
          (f) =>
            (f.usbVendorId === undefined || f.usbVendorId === info.usbVendorId) &&
            (f.usbProductId === undefined || f.usbProductId === info.usbProductId),
        );
      if (!matches || port.unplugged)
        throw new DOMException('No port selected by the user.', 'NotFoundError');
      granted.add(port);
      return port;
    },
  });
  Object.defineProperty(Navigator.prototype, 'serial', { configurable: true, get: () => serial });
  (window as unknown as { __fakeSerial: unknown }).__fakeSerial = {
    log,
    ports,
    control,
    written,
    /** The kept frames' pixel data (after the stream header's data offset), base64, with their times. */
    writtenSince(t: number): { t: number; data: string }[] {
      return written
        .filter((w) => w.t >= t)
        .map((w) => {
          const view = new DataView(w.frame.buffer, w.frame.byteOffset, w.frame.byteLength);
          const offset = view.getUint32(16, true) || 32;
          let bin = '';
          const data = w.frame.subarray(offset);
          for (let i = 0; i < data.length; i += 0x8000)
            bin += String.fromCharCode(...data.subarray(i, i + 0x8000));
          return { t: w.t, data: btoa(bin) };
        });
    },
    get current() {
      return ports.at(-1);
    },
    unplug: () => ports.at(-1)?.unplug(),
    replug: () => {
      const port = new FakeSerialPort();
      ports.push(port);
      serial.dispatchEvent(new Event('connect'));
    },
  };
}

let bundle: Promise<string> | null = null;

/** The demo camera bundled as an IIFE for the page (global `OmvEmulator`), built once per worker. */
export function emulatorBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [fileURLToPath(new URL('../src/device/emulator/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'OmvEmulator',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // Init scripts run wrapped in a function: publish the global explicitly.
    footer: { js: 'globalThis.OmvEmulator = OmvEmulator;' },
  }).then((r) => r.outputFiles[0]!.text);
  return bundle;
}
