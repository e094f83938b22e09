import { connectCamera, type Camera, type CameraFrame } from '../device/protocol/camera';
import type { ByteLink } from '../device/protocol/link';
import type { DemoCameraOptions } from '../device/transport/demo-link';
import { CameraLinkError, classifyLinkError, linkMessage } from '../device/transport/errors';
import {
  grantedPorts,
  openWebSerialLink,
  requestCameraPort,
  webSerial,
  type WebSerialLink,
} from '../device/transport/web-serial';

/** The streaming script of protocol.md §5.1: the script panel's default. */
export const DEFAULT_SCRIPT = `import csi, time
cam = csi.CSI()
cam.reset()
cam.pixformat(csi.RGB565)        # or csi.GRAYSCALE
cam.framesize(csi.QVGA)          # 320x240
cam.snapshot(time=2000)          # let auto-exposure settle
clock = time.clock()
while True:
    clock.tick()
    img = cam.snapshot()          # the previous frame is pushed to the stream buffer here
    print(clock.fps())
`;

export const CAMERA_STATE = {
  idle: 'idle',
  connecting: 'connecting',
  connected: 'connected',
  /** The device went away (unplug, reset): nothing pending, connect again. */
  lost: 'lost',
  /** Connecting failed; `message` says why in one line. */
  failed: 'failed',
} as const;
export type CameraState = (typeof CAMERA_STATE)[keyof typeof CAMERA_STATE];

export interface CameraStatus {
  state: CameraState;
  source: 'serial' | 'demo' | null;
  /** One line for the user (the error, or a hint), or null. */
  message: string | null;
  info: Camera['info'] | null;
  scriptRunning: boolean;
}

export type CameraStats = ReturnType<Camera['stats']> & { bytesPerSecond: number };

/** Events: 'status' (CustomEvent<CameraStatus>), 'stats' (CustomEvent<CameraStats>), 'output' (CustomEvent<string>). */
export interface CameraServiceEvents {
  status: CustomEvent<CameraStatus>;
  stats: CustomEvent<CameraStats>;
  output: CustomEvent<string>;
}

/** How long detection may take before "the camera is not answering" (the probe itself waits ~1 s, §1.3). */
const CONNECT_TIMEOUT_MS = 10_000;
const STATS_INTERVAL_MS = 500;

/**
 * The camera for the page: connects over Web Serial or to the demo camera, runs the frame loop and hands
 * every frame to the frame sinks (the live view), polls stats, runs and stops scripts, and turns every
 * failure into a state and a one-line message. One connection at a time.
 */
export class CameraService extends EventTarget {
  status: CameraStatus = { state: 'idle', source: null, message: null, info: null, scriptRunning: false };
  private camera: Camera | null = null;
  private link: ByteLink | null = null;
  private readonly sinks = new Set<(frame: CameraFrame) => void>();
  private unsubscribe: (() => void)[] = [];
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private lastBytes = { bytes: 0, at: 0 };
  /** Bumped by every connect/disconnect, so a late callback of an old connection does nothing. */
  private generation = 0;

  get webSerialAvailable(): boolean {
    return webSerial() !== null;
  }

  /** Receives every frame while connected; returns the unsubscribe function. */
  addFrameSink(sink: (frame: CameraFrame) => void): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Asks for a port (call from a click: requestPort needs the gesture) and connects to it. */
  async connectSerial(port?: SerialPort): Promise<void> {
    let chosen = port;
    if (!chosen) {
      // First, while the click's user activation is fresh: requestPort needs it.
      try {
        chosen = await requestCameraPort();
      } catch (e) {
        this.failWith(this.generation, classifyLinkError(e, 'request'));
        return;
      }
    }
    const gen = await this.begin('serial');
    try {
      const link = await openWebSerialLink(chosen);
      await this.attach(gen, link, 'serial');
      void link.ended.then((error) => {
        if (error && gen === this.generation) this.lose(error);
      });
    } catch (e) {
      this.failWith(gen, classifyLinkError(e, 'open'));
    }
  }

  /** Reconnects on load to a port this origin was granted before (no prompt); false when there is none. */
  async reconnectGranted(): Promise<boolean> {
    if (this.status.state === 'connecting' || this.status.state === 'connected') return false;
    const [port] = await grantedPorts();
    if (!port) return false;
    await this.connectSerial(port);
    return true;
  }

  /** Connects to the demo camera running in the page (`autoRun`: also run the default script). */
  async connectDemo(opts: DemoCameraOptions & { autoRun?: boolean } = {}): Promise<void> {
    const gen = await this.begin('demo');
    try {
      // Like a camera with a main.py, the demo board boots streaming (its factory script).
      const { autoRun = false, ...demoOpts } = opts;
      // The emulator loads only when someone asks for it.
      const { openDemoLink } = await import('../device/transport/demo-link');
      if (gen !== this.generation) return;
      const { link } = openDemoLink(demoOpts);
      await this.attach(gen, link, 'demo');
      if (demoOpts.mainPy !== false) this.update({ scriptRunning: true });
      if (autoRun && gen === this.generation) await this.runScript(DEFAULT_SCRIPT);
    } catch (e) {
      this.failWith(gen, classifyLinkError(e, 'detect'));
    }
  }

  async runScript(source: string): Promise<void> {
    const camera = this.need();
    await camera.runScript(source);
    this.update({ scriptRunning: true });
  }

  async stopScript(): Promise<void> {
    const camera = this.need();
    await camera.stopScript();
    this.update({ scriptRunning: false });
  }

  /** Closes the camera and the port; never throws, never hangs on a dead port. */
  async disconnect(): Promise<void> {
    this.generation++;
    await this.teardown();
    this.setStatus({
      state: 'idle',
      source: null,
      message: 'Disconnected.',
      info: null,
      scriptRunning: false,
    });
  }

  private async begin(source: 'serial' | 'demo'): Promise<number> {
    const gen = ++this.generation;
    this.setStatus({ state: 'connecting', source, message: null, info: null, scriptRunning: false });
    await this.teardown();
    return gen;
  }

  /** Runs detection on `link` and starts the frame loop and stats; closes the link on failure. */
  private async attach(gen: number, link: ByteLink, source: 'serial' | 'demo'): Promise<void> {
    this.link = link;
    let camera: Camera;
    try {
      camera = await withTimeout(connectCamera(link), CONNECT_TIMEOUT_MS);
    } catch (e) {
      const err = classifyLinkError(e, 'detect');
      const hint = (link as Partial<WebSerialLink>).signalsError;
      throw hint && err.code !== 'lost'
        ? new CameraLinkError(err.code, `${err.message} (DTR could not be set: ${hint})`, { cause: e })
        : err;
    }
    if (gen !== this.generation) {
      await camera.close().catch(() => undefined);
      return;
    }
    this.camera = camera;
    this.unsubscribe = [
      camera.onOutput((text) => this.dispatchEvent(new CustomEvent('output', { detail: text }))),
      camera.onState((state, detail) => this.onCameraState(gen, state, detail)),
    ];
    this.lastBytes = { bytes: 0, at: performance.now() };
    this.statsTimer = setInterval(() => this.pollStats(), STATS_INTERVAL_MS);
    this.setStatus({ state: 'connected', source, message: null, info: camera.info, scriptRunning: false });
    void this.frameLoop(gen, camera);
  }

  private async frameLoop(gen: number, camera: Camera): Promise<void> {
    try {
      for await (const frame of camera.frames()) {
        if (gen !== this.generation) return;
        for (const sink of this.sinks) sink(frame);
      }
      if (gen === this.generation) this.lose(new CameraLinkError('lost', linkMessage('lost')));
    } catch (e) {
      if (gen === this.generation) this.lose(e);
    }
  }

  private onCameraState(gen: number, state: string, detail?: unknown): void {
    if (gen !== this.generation) return;
    if (/lost|closed|disconnect/i.test(state)) {
      this.lose(detail instanceof Error ? detail : new CameraLinkError('lost', linkMessage('lost')));
    } else if (/script.*(stop|end)|idle|soft.?reboot/i.test(state)) this.update({ scriptRunning: false });
    else if (/running/i.test(state)) this.update({ scriptRunning: true });
  }

  private pollStats(): void {
    const camera = this.camera;
    if (!camera) return;
    const s = camera.stats();
    const now = performance.now();
    const dt = (now - this.lastBytes.at) / 1000;
    const bytesPerSecond = dt > 0 ? Math.max(0, (s.bytes - this.lastBytes.bytes) / dt) : 0;
    this.lastBytes = { bytes: s.bytes, at: now };
    this.dispatchEvent(new CustomEvent('stats', { detail: { ...s, bytesPerSecond } }));
  }

  /** The device went away: drop everything (pending work fails inside the camera), say so. */
  private lose(e: unknown): void {
    const err = classifyLinkError(e, 'run');
    const source = this.status.source;
    this.generation++;
    void this.teardown();
    this.setStatus({
      state: 'lost',
      source,
      message: err.code === 'lost' ? linkMessage('lost') : err.message,
      info: null,
      scriptRunning: false,
    });
  }

  private failWith(gen: number, err: CameraLinkError): void {
    if (gen !== this.generation) return;
    void this.teardown();
    this.setStatus({
      state: err.code === 'cancelled' ? 'idle' : 'failed',
      source: null,
      message: err.message,
      info: null,
      scriptRunning: false,
    });
  }

  /** Every step may fail; each is tried regardless of the others. */
  private async teardown(): Promise<void> {
    if (this.statsTimer !== null) clearInterval(this.statsTimer);
    this.statsTimer = null;
    for (const off of this.unsubscribe) {
      try {
        off();
      } catch {
        // Already gone.
      }
    }
    this.unsubscribe = [];
    const camera = this.camera;
    const link = this.link;
    this.camera = null;
    this.link = null;
    if (camera) await withTimeout(camera.close(), 3000).catch(() => undefined);
    if (link) await withTimeout(link.close(), 3000).catch(() => undefined);
  }

  private need(): Camera {
    if (!this.camera) throw new CameraLinkError('failed', 'No camera is connected.');
    return this.camera;
  }

  private update(patch: Partial<CameraStatus>): void {
    this.setStatus({ ...this.status, ...patch });
  }

  private setStatus(status: CameraStatus): void {
    this.status = status;
    this.dispatchEvent(new CustomEvent('status', { detail: status }));
  }
}

/** Rejects with a TimeoutError when `p` takes longer than `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DOMException(`No answer within ${ms / 1000} s`, 'TimeoutError')),
      ms,
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
