import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { controlStyles, figureStyles } from './shared-styles';
import {
  DEFAULT_SCRIPT,
  type CameraService,
  type CameraStats,
  type CameraStatus,
} from '../src/app/camera-service';
import type { LiveViewClient, LiveViewState } from '../src/app/live-view-client';
import { formatBytes } from '../src/app/format-time';
import { pixformatName } from '../src/format/pixformat';
import type { OmvTerminal } from './omv-terminal';
import './omv-terminal';
import './omv-script-panel';
import './omv-recorder-panel';
import { LIVE_VIEW_READER, type RecorderService } from '../src/app/recorder-service';

/**
 * The live camera: a stage the live-view worker draws on (letterboxed like the player), connection state,
 * stream statistics, the camera's output and the script panel. It never decodes a pixel itself.
 */
@customElement('omv-live-view')
export class OmvLiveView extends LitElement {
  static override styles = [
    controlStyles,
    figureStyles,
    css`
      :host {
        display: grid;
        gap: 0.6rem;
        margin-bottom: 1.2rem;
      }
      :host([hidden]),
      [hidden] {
        display: none !important;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
      }
      h2 {
        margin: 0;
        font-size: 1.2rem;
      }
      .status {
        flex: 1 1 auto;
        margin: 0;
        color: #9fb0c8;
      }
      .status.bad {
        color: #ff8389;
      }
      .stage {
        position: relative;
        height: min(50vh, 30rem);
        min-height: 10rem;
        background: #000;
        border-radius: 8px;
        display: grid;
        place-items: center;
        overflow: hidden;
      }
      canvas {
        display: block;
      }
      .empty {
        position: absolute;
        inset: 0;
        display: grid;
        place-items: center;
        color: #9fb0c8;
        text-align: center;
        padding: 1rem;
      }
      dl {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr));
        gap: 0.3rem 1rem;
        margin: 0;
      }
      .panels {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr));
        gap: 1rem;
      }
    `,
  ];

  @property({ attribute: false }) service: CameraService | null = null;
  /** Builds the worker-side live view for a canvas (a service from the composition root). */
  @property({ attribute: false }) createClient: ((canvas: HTMLCanvasElement) => LiveViewClient) | null = null;
  /** Records frames to the library; the panel shows only when there is one. */
  @property({ attribute: false }) recorder: RecorderService | null = null;

  @state() private status: CameraStatus | null = null;
  @state() private stats: CameraStats | null = null;
  @state() private view: LiveViewState | null = null;
  @state() private busy = false;
  @state() private stageSize = { width: 0, height: 0 };
  private readonly resize = new ResizeObserver(([entry]) => {
    if (entry) this.stageSize = { width: entry.contentRect.width, height: entry.contentRect.height };
  });

  @query('canvas') private canvas!: HTMLCanvasElement;
  @query('.stage') private stage!: HTMLElement;
  @query('omv-terminal') private terminal!: OmvTerminal;

  /** The worker-side live view, created once the factory and the canvas exist. */
  client: LiveViewClient | null = null;
  private bound: CameraService | null = null;
  private unbind: (() => void)[] = [];

  override firstUpdated(): void {
    this.resize.observe(this.stage);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
    for (const off of this.unbind) off();
    this.unbind = [];
    this.bound = null;
  }

  override updated(): void {
    if (this.service && this.bound !== this.service) this.bind(this.service);
    // The worker starts with the first connection, not with the page.
    const state = this.status?.state ?? 'idle';
    if (!this.client && this.createClient && state !== 'idle') {
      const client = this.createClient(this.canvas);
      this.client = client;
      client.addEventListener('state', (e) => (this.view = (e as CustomEvent<LiveViewState>).detail));
      // With shared memory the worker reads the newest frame from the recorder's ring itself.
      const off = this.recorder?.watchRing((ring) =>
        client.useRing(ring.buffer as SharedArrayBuffer, LIVE_VIEW_READER),
      );
      if (off) this.unbind.push(off);
    }
  }

  private bind(service: CameraService): void {
    for (const off of this.unbind) off();
    this.bound = service;
    const onStatus = (e: Event) => {
      const s = (e as CustomEvent<CameraStatus>).detail;
      if (s.state === 'connecting') {
        this.stats = null;
        this.terminal?.clear();
        this.client?.clear();
      }
      this.status = s;
    };
    const onStats = (e: Event) => (this.stats = (e as CustomEvent<CameraStats>).detail);
    const onOutput = (e: Event) => this.terminal?.write((e as CustomEvent<string>).detail);
    service.addEventListener('status', onStatus);
    service.addEventListener('stats', onStats);
    service.addEventListener('output', onOutput);
    const offSink = service.addFrameSink((frame) => this.client?.show(frame));
    this.status = service.status;
    this.unbind = [
      () => service.removeEventListener('status', onStatus),
      () => service.removeEventListener('stats', onStats),
      () => service.removeEventListener('output', onOutput),
      offSink,
    ];
  }

  override render() {
    const st = this.status;
    const state = st?.state ?? 'idle';
    const v = this.view;
    const hasFrame = (v?.drawn ?? 0) > 0 && state === 'connected';
    const scale =
      v && v.width > 0 ? Math.min(this.stageSize.width / v.width, this.stageSize.height / v.height) : 0;
    const style =
      hasFrame && v && scale > 0
        ? `width:${v.width * scale}px;height:${v.height * scale}px`
        : 'width:0;height:0';
    const active = state === 'connecting' || state === 'connected';
    return html`
      <section role="region" aria-label="Live view" ?hidden=${state === 'idle' && !st?.message}>
        <div class="head">
          <h2>Live camera</h2>
          <p
            class="status ${state === 'failed' || state === 'lost' ? 'bad' : ''}"
            role="status"
            data-state=${state}
          >
            ${this.statusLine(st)}
          </p>
          <button ?disabled=${!active && state !== 'lost'} @click=${this.onDisconnect}>Disconnect</button>
        </div>
        <div class="stage">
          <canvas style=${style} aria-hidden="true"></canvas>
          ${!hasFrame ? html`<p class="empty">${state === 'connected' ? 'Waiting for frames… run a script.' : 'No live picture.'}</p>` : nothing}
        </div>
        <omv-recorder-panel
          .recorder=${this.recorder}
          ?connected=${state === 'connected'}
        ></omv-recorder-panel>
        ${this.renderStats()}
        <div class="panels">
          <omv-script-panel
            .source=${DEFAULT_SCRIPT}
            ?connected=${state === 'connected'}
            ?running=${st?.scriptRunning ?? false}
            ?busy=${this.busy}
            @script-run=${this.onRun}
            @script-stop=${this.onStop}
          ></omv-script-panel>
          <omv-terminal></omv-terminal>
        </div>
      </section>
    `;
  }

  private statusLine(st: CameraStatus | null) {
    if (!st) return 'No camera connected.';
    const name = st.source === 'demo' ? 'the demo camera' : 'the camera';
    switch (st.state) {
      case 'idle':
        return st.message ?? 'No camera connected.';
      case 'connecting':
        return `Connecting to ${name}…`;
      case 'connected': {
        const i = st.info as { board?: unknown; firmware?: unknown } | null;
        const board = i?.board ? String(i.board) : name;
        return `Connected to ${board}${i?.firmware ? ` (firmware ${String(i.firmware)})` : ''}${st.scriptRunning ? ', script running' : ''}.`;
      }
      case 'lost':
        return `${st.message ?? 'The camera was disconnected.'} Connect again when it is back.`;
      case 'failed':
        return st.message ?? 'Connecting failed.';
    }
  }

  private renderStats() {
    const s = this.stats;
    const v = this.view;
    const fps = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toFixed(1));
    const item = (field: string, label: string, value: string) =>
      html`<div>
        <dt>${label}</dt>
        <dd data-field=${field}>${value}</dd>
      </div>`;
    return html`<dl aria-label="Stream statistics">
        ${item('camera-fps', 'Camera fps', fps(s?.cameraFps))}
        ${item('received-fps', 'Received fps', fps(s?.receivedFps))}
        ${item('frames', 'Frames received', String(s?.frames ?? 0))}
        ${item('shown', 'Frames shown', String(v?.drawn ?? 0))}
        ${item('dropped', 'Dropped', String(s?.dropped ?? 0))} ${item('lost', 'Lost', String(s?.lost ?? 0))}
        ${item('corrupt', 'Corrupt', String(s?.corrupt ?? 0))}
        ${item('stale', 'Skipped (newer frame)', String(v?.stale ?? 0))}
        ${item('rate', 'Data rate', s ? `${formatBytes(Math.round(s.bytesPerSecond))}/s` : '–')}
        ${item('format', 'Format', v && v.drawn > 0 ? pixformatName(v.pixformat) : '–')}
        ${item('size', 'Size', v && v.drawn > 0 ? `${v.width} × ${v.height}` : '–')}
      </dl>
      ${
        s?.errors.length
          ? html`<p class="status" data-field="last-error">Last link problem: ${s.errors.at(-1)}</p>`
          : nothing
      }
      ${v?.error ? html`<p class="status bad" role="alert">Frame not shown: ${v.error}</p>` : nothing}`;
  }

  private onRun = async (e: CustomEvent<string>): Promise<void> => {
    await this.act(() => this.service!.runScript(e.detail));
  };

  private onStop = async (): Promise<void> => {
    await this.act(() => this.service!.stopScript());
  };

  private onDisconnect = async (): Promise<void> => {
    await this.act(() => this.service!.disconnect());
    this.client?.clear();
  };

  private async act(work: () => Promise<void>): Promise<void> {
    if (!this.service) return;
    this.busy = true;
    try {
      await work();
    } catch (e) {
      this.terminal?.write(`\n[${e instanceof Error ? e.message : String(e)}]\n`);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-live-view': OmvLiveView;
  }
}
