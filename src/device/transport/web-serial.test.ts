import { describe, expect, it } from 'vitest';
import { CameraLinkError, classifyLinkError } from './errors';
import { OPENMV_BAUD_RATE, OPENMV_USB_FILTERS, openWebSerialLink } from './web-serial';

/** A SerialPort as strict as Chromium where teardown can go wrong (toolchain.md, Web Serial details). */
class StrictPort extends EventTarget {
  options: SerialOptions | null = null;
  signals: SerialOutputSignals = {};
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  written: number[] = [];
  closed = 0;
  ctrl!: ReadableStreamDefaultController<Uint8Array>;
  openError: Error | null = null;

  async open(options: SerialOptions): Promise<void> {
    if (this.openError) throw this.openError;
    if (this.options) throw new DOMException('The port is already open.', 'InvalidStateError');
    this.options = options;
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => void (this.ctrl = c),
      cancel: () => void (this.readable = null),
    });
    this.writable = new WritableStream<Uint8Array>({ write: (c) => void this.written.push(...c) });
  }
  async setSignals(s: SerialOutputSignals): Promise<void> {
    this.signals = { ...this.signals, ...s };
  }
  async close(): Promise<void> {
    if (this.readable?.locked || this.writable?.locked)
      throw new TypeError("Failed to execute 'close' on 'SerialPort': Cannot cancel a locked stream");
    this.options = null;
    this.closed++;
  }
  /** The device goes away: reads fail, `readable` is gone, `disconnect` fires. */
  unplug(withEvent: boolean): void {
    this.ctrl.error(new DOMException('The device has been lost.', 'NetworkError'));
    this.readable = null;
    if (withEvent) this.dispatchEvent(new Event('disconnect'));
  }
}

const asPort = (p: StrictPort) => p as unknown as SerialPort;
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('openWebSerialLink', () => {
  it('opens at 921600 with a large buffer and DTR, drains, sends, and closes after releasing both locks', async () => {
    const port = new StrictPort();
    const link = await openWebSerialLink(asPort(port));
    expect(port.options).toMatchObject({ baudRate: OPENMV_BAUD_RATE, flowControl: 'none' });
    expect(port.options!.bufferSize).toBeGreaterThanOrEqual(65536);
    expect(port.signals.dataTerminalReady).toBe(true);
    // Bytes that arrive before anyone listens are kept.
    port.ctrl.enqueue(new Uint8Array([1, 2]));
    await tick();
    const got: number[] = [];
    let closedWith: Error | undefined | null = null;
    link.listen(
      (b) => got.push(...b),
      (e) => (closedWith = e),
    );
    port.ctrl.enqueue(new Uint8Array([3]));
    await tick();
    expect(got).toEqual([1, 2, 3]);
    await link.send(new Uint8Array([9, 8]));
    expect(port.written).toEqual([9, 8]);
    await link.close();
    expect(port.closed).toBe(1);
    expect(port.signals.dataTerminalReady).toBe(false);
    expect(closedWith).toBeUndefined();
    await expect(link.send(new Uint8Array([1]))).rejects.toBeInstanceOf(Error);
  });

  for (const withEvent of [true, false]) {
    it(`a lost device ends the link once, with a 'lost' error (${withEvent ? 'with' : 'without'} a disconnect event)`, async () => {
      const port = new StrictPort();
      const link = await openWebSerialLink(asPort(port));
      const ends: (Error | undefined)[] = [];
      link.listen(
        () => undefined,
        (e) => ends.push(e),
      );
      port.unplug(withEvent);
      const error = await link.ended;
      expect(error).toBeInstanceOf(CameraLinkError);
      expect((error as CameraLinkError).code).toBe('lost');
      await expect(link.send(new Uint8Array([1]))).rejects.toMatchObject({ code: 'lost' });
      await link.close(); // never throws, never hangs
      expect(ends).toHaveLength(1);
      expect(port.closed).toBe(1);
    });
  }

  it('names a port another program holds', async () => {
    const port = new StrictPort();
    port.openError = new DOMException('Failed to open serial port.', 'NetworkError');
    await expect(openWebSerialLink(asPort(port))).rejects.toMatchObject({ code: 'busy' });
  });
});

describe('classifyLinkError', () => {
  it.each([
    [new DOMException('No port selected by the user.', 'NotFoundError'), 'request', 'cancelled'],
    [new DOMException('The port is already open.', 'InvalidStateError'), 'open', 'busy'],
    [new Error('open /dev/ttyACM0: permission denied'), 'open', 'permission'],
    [new DOMException('Access denied.', 'SecurityError'), 'open', 'permission'],
    [new DOMException('The device has been lost.', 'NetworkError'), 'run', 'lost'],
    [new Error('no answer to the protocol probe: wrong port or baud'), 'detect', 'not-openmv'],
    [new Error('not an OpenMV camera: probe answered 41 42 43 44'), 'detect', 'not-openmv'],
    [new DOMException('No answer within 10 s', 'TimeoutError'), 'detect', 'timeout'],
    [new Error('something else'), 'run', 'failed'],
  ] as const)('%s during %s is %s', (error, stage, code) => {
    const e = classifyLinkError(error, stage);
    expect(e.code).toBe(code);
    expect(e.message).not.toContain('\n');
  });

  it('the USB filters are those of protocol.md §1.4 (no bare Arduino VID)', () => {
    expect(OPENMV_USB_FILTERS).toContainEqual({ usbVendorId: 0x37c5 });
    expect(OPENMV_USB_FILTERS).toContainEqual({ usbVendorId: 0x1209, usbProductId: 0xabd1 });
    expect(OPENMV_USB_FILTERS.filter((f) => f.usbVendorId === 0x2341).every((f) => f.usbProductId)).toBe(
      true,
    );
  });
});
