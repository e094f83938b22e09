import { LitElement, css, html, nothing } from 'lit';
import { controlStyles } from './shared-styles';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { PlayerClient } from '../src/app/player-client';
import { describeOpenError } from '../src/app/open-errors';
import { formatBytes } from '../src/app/format-time';
import type { PlayerSource, PlayerState, StreamSummary } from '../src/workers/player.protocol';
import { PlayerKeysController } from './controllers/player-keys';
import { SPEEDS, type Zoom } from './omv-player-controls';
import type { OmvShortcutsDialog } from './omv-shortcuts-dialog';
import type { OmvExportDialog } from './omv-export-dialog';
import { copyPng, rgbaToPng } from '../src/app/share';
import './omv-player-controls';
import './omv-export-dialog';
import './omv-frame-info';
import './omv-shortcuts-dialog';

/** A repaired copy, ready to save or keep. */
export interface RepairedCopy {
  file: File;
  frames: number;
  bytes: number;
}

/**
 * The player: a stage the worker draws on (letterboxed, zoomable), the transport bar, frame facts,
 * the damage banner and the keyboard. It never decodes a pixel itself.
 */
@customElement('omv-player')
export class OmvPlayer extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host {
        display: grid;
        gap: 0.6rem;
      }
      .stage {
        position: relative;
        height: min(62vh, 40rem);
        min-height: 12rem;
        background: #000;
        border-radius: 8px;
        overflow: auto;
        display: grid;
        place-items: center;
      }
      .stage:fullscreen {
        height: 100vh;
      }
      canvas {
        display: block;
        width: 100%;
        height: 100%;
      }
      .frame {
        position: relative;
        touch-action: none;
        cursor: crosshair;
      }
      .region {
        position: absolute;
        border: 2px dashed #ffd166;
        box-shadow: 0 0 0 9999px rgb(0 0 0 / 0.35);
        pointer-events: none;
      }
      .tools {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem 0.6rem;
      }
      .tools .problem-text {
        color: #ff8389;
      }
      .tools .facts {
        color: #9fb0c8;
        font-variant-numeric: tabular-nums;
      }
      canvas.zoomed {
        image-rendering: pixelated;
      }
      .empty,
      .problem {
        position: absolute;
        inset: 0;
        display: grid;
        place-items: center;
        padding: 1rem;
        text-align: center;
        color: #9fb0c8;
      }
      .problem {
        color: #ff8389;
      }
      .banner {
        background: #3b2a12;
        border: 1px solid #8a5a1a;
        border-radius: 8px;
        padding: 0.5rem 0.8rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem;
        align-items: center;
      }
    `,
  ];

  /** Builds the worker-side player for a canvas (a service from the composition root). */
  @property({ attribute: false }) createClient: ((canvas: HTMLCanvasElement) => PlayerClient) | null = null;

  @state() private playerState: PlayerState | null = null;
  @state() private summary: StreamSummary | null = null;
  @state() private problem: string | null = null;
  @state() private zoom: Zoom = 'fit';
  @state() private repairing = false;
  /** In / out points (frame indices); either may be unset. */
  @state() private inPoint: number | null = null;
  @state() private outPoint: number | null = null;
  /** A region of the frame, in frame pixels, drawn by dragging on the canvas. */
  @state() private region: { x: number; y: number; w: number; h: number } | null = null;
  @state() private notice: { text: string; error: boolean } | null = null;
  /** Where the recording was opened from: the export worker reads the same source. */
  private source: PlayerSource | null = null;
  private drag: { x: number; y: number; id: number } | null = null;
  /** The stage's content box, for fitting the frame (object-fit does not apply to a transferred canvas). */
  @state() private stageSize = { width: 0, height: 0 };
  private readonly resize = new ResizeObserver(([entry]) => {
    if (entry) this.stageSize = { width: entry.contentRect.width, height: entry.contentRect.height };
  });

  @query('canvas') private canvas!: HTMLCanvasElement;
  @query('.stage') private stage!: HTMLElement;
  @query('omv-shortcuts-dialog') private shortcuts!: OmvShortcutsDialog;
  @query('omv-export-dialog') private exportDialog!: OmvExportDialog;

  /** The worker-side player, created on first render. */
  client: PlayerClient | null = null;

  constructor() {
    super();
    new PlayerKeysController(this, {
      active: () => this.summary !== null && this.summary.count > 0 && !this.exportDialog?.open,
      togglePlay: () => (this.playerState?.playing ? this.client?.pause() : this.client?.play()),
      seekBy: (ms) => this.client?.seekTime(Math.max(0, (this.playerState?.frame?.timeMs ?? 0) + ms)),
      stepFrames: (d) => this.client?.step(d),
      seekFraction: (f) =>
        f >= 1
          ? this.client?.seek((this.summary?.count ?? 1) - 1)
          : this.client?.seekTime(f * (this.summary?.spanMs ?? 0)),
      changeSpeed: (dir) => {
        const i = SPEEDS.indexOf((this.client?.speed ?? 1) as (typeof SPEEDS)[number]);
        const next = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (i < 0 ? 3 : i) + dir))];
        if (next !== undefined) this.client?.setSpeed(next);
      },
      toggleFullscreen: () => this.toggleFullscreen(),
      showShortcuts: () => this.shortcuts.show(),
      setInPoint: () => this.setInPoint(),
      setOutPoint: () => this.setOutPoint(),
      clearRegion: () => {
        if (!this.region) return false;
        this.region = null;
        return true;
      },
    });
  }

  override firstUpdated(): void {
    this.resize.observe(this.stage);
  }

  override updated(): void {
    // The factory may arrive after the first render (services are set by the composition root).
    if (this.client || !this.createClient) return;
    this.client = this.createClient(this.canvas);
    this.client.addEventListener('state', (e) => (this.playerState = (e as CustomEvent<PlayerState>).detail));
    this.client.addEventListener('error', (e) => (this.problem = (e as CustomEvent<Error>).detail.message));
  }

  /** Opens a recording: its first frame appears, or a one-line explanation of why it cannot. */
  async open(source: PlayerSource): Promise<StreamSummary | null> {
    if (!this.client) throw new Error('The player is not ready');
    this.problem = null;
    this.source = null;
    this.inPoint = this.outPoint = null;
    this.region = null;
    this.notice = null;
    try {
      this.summary = await this.client.open(source);
      this.source = source;
      this.stage.focus();
      return this.summary;
    } catch (e) {
      this.summary = null;
      this.playerState = null;
      this.problem = describeOpenError(sourceName(source), e);
      return null;
    }
  }

  /** Shows a one-line problem on the stage (for failures before a recording reaches the player). */
  async showProblem(message: string): Promise<void> {
    this.problem = message;
    await this.updateComplete;
  }

  override render() {
    const sum = this.summary;
    const f = this.playerState?.frame;
    const zoomed = this.zoom !== 'fit';
    // Fit: the largest size with the frame's aspect that the stage holds (letterboxed, stable stage).
    const scale = !f
      ? 1
      : zoomed
        ? Number(this.zoom)
        : Math.min(this.stageSize.width / f.width, this.stageSize.height / f.height);
    const style =
      f && scale > 0 ? `width:${f.width * scale}px;height:${f.height * scale}px` : 'width:0;height:0';
    const v10rgb = sum?.version === 'V1.0' && sum.formats.includes('RGB565');
    return html`
      <div class="stage" role="region" aria-label="Player" tabindex="0">
        <div
          class="frame"
          style=${style}
          @pointerdown=${this.onPointerDown}
          @pointermove=${this.onPointerMove}
          @pointerup=${this.onPointerUp}
          @pointercancel=${this.onPointerUp}
        >
          <canvas class=${zoomed ? 'zoomed' : 'fit'} aria-hidden="true"></canvas>
          ${f && this.region ? this.renderRegion(f.width, f.height) : nothing}
        </div>
        ${!sum && !this.problem ? html`<p class="empty">Open a recording (.bin) or try the sample.</p>` : nothing}
        ${sum && sum.count === 0 ? html`<p class="empty">This recording holds no complete frame.</p>` : nothing}
        ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
      </div>
      ${sum?.damage ? this.renderDamage(sum) : nothing}
      <omv-player-controls
        .client=${this.client}
        .state=${this.playerState}
        .summary=${sum}
        .zoom=${this.zoom}
        .selection=${this.selection()}
        @zoom-change=${(e: CustomEvent<Zoom>) => (this.zoom = e.detail)}
        @fullscreen-request=${() => this.toggleFullscreen()}
        @shortcuts-request=${() => this.shortcuts.show()}
      ></omv-player-controls>
      ${
        v10rgb
          ? html`<label
              ><input
                type="checkbox"
                .checked=${this.playerState?.swapRgb565 ?? false}
                @change=${(e: Event) => this.client?.setSwapRgb565((e.target as HTMLInputElement).checked)}
              />
              Swap RGB565 bytes (V1.0 files written by firmware 3.7.0 to 3.9.1)</label
            >`
          : nothing
      }
      ${this.renderTools()}
      <omv-frame-info .state=${this.playerState} .summary=${sum}></omv-frame-info>
      <omv-shortcuts-dialog></omv-shortcuts-dialog>
      <omv-export-dialog></omv-export-dialog>
    `;
  }

  /** The selection as inclusive frame indices, or null when neither point is set. */
  private selection(): { from: number; to: number } | null {
    const n = this.summary?.count ?? 0;
    if (n === 0 || (this.inPoint === null && this.outPoint === null)) return null;
    const from = this.inPoint ?? 0;
    const to = this.outPoint ?? n - 1;
    return { from: Math.min(from, to), to: Math.max(from, to) };
  }

  private setInPoint(): void {
    const i = this.playerState?.frame?.index;
    if (i === undefined) return;
    this.inPoint = i;
    if (this.outPoint !== null && this.outPoint < i) this.outPoint = null;
    this.client?.setSelection(this.selection());
  }

  private setOutPoint(): void {
    const i = this.playerState?.frame?.index;
    if (i === undefined) return;
    this.outPoint = i;
    if (this.inPoint !== null && this.inPoint > i) this.inPoint = null;
    this.client?.setSelection(this.selection());
  }

  private clearSelection(): void {
    this.inPoint = this.outPoint = null;
    this.client?.setSelection(null);
  }

  private renderTools() {
    const sum = this.summary;
    const f = this.playerState?.frame;
    const disabled = !sum || sum.count === 0 || !f;
    const sel = this.selection();
    const r = this.region;
    const span = sel && sum ? (sum.times[sel.to] ?? 0) - (sum.times[sel.from] ?? 0) : 0;
    return html`
      <div class="tools">
        <button ?disabled=${disabled} @click=${() => this.setInPoint()}>Set in point</button>
        <button ?disabled=${disabled} @click=${() => this.setOutPoint()}>Set out point</button>
        ${
          sel
            ? html`<span class="facts" data-field="selection"
                  >Selection: frames ${sel.from + 1}–${sel.to + 1} (${sel.to - sel.from + 1} frames,
                  ${(span / 1000).toFixed(2)} s)</span
                >
                <button @click=${() => this.clearSelection()}>Clear selection</button>`
            : nothing
        }
        ${
          r
            ? html`<span class="facts" data-field="region">Region: ${r.w}×${r.h} at ${r.x},${r.y}</span>
                <button @click=${() => (this.region = null)}>Clear region</button>`
            : html`<span class="facts">Drag on the frame to choose a region</span>`
        }
        <button class="primary" ?disabled=${disabled || !this.source} @click=${this.openExport}>
          Export
        </button>
        <button ?disabled=${disabled} @click=${this.copyFrame}>Copy frame</button>
        ${
          this.notice
            ? html`<span
                class=${this.notice.error ? 'problem-text' : 'facts'}
                role=${this.notice.error ? 'alert' : 'status'}
                >${this.notice.text}</span
              >`
            : nothing
        }
      </div>
    `;
  }

  private renderRegion(width: number, height: number) {
    const r = this.region!;
    const pct = (v: number, of: number) => `${(v / of) * 100}%`;
    return html`<div
      class="region"
      style=${`left:${pct(r.x, width)};top:${pct(r.y, height)};width:${pct(r.w, width)};height:${pct(r.h, height)}`}
    ></div>`;
  }

  /** A pointer position in frame pixels (the canvas is scaled to fit or zoomed). */
  private framePoint(e: PointerEvent): { x: number; y: number } | null {
    const f = this.playerState?.frame;
    if (!f) return null;
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return null;
    const x = ((e.clientX - box.left) / box.width) * f.width;
    const y = ((e.clientY - box.top) / box.height) * f.height;
    return {
      x: Math.max(0, Math.min(f.width, Math.round(x))),
      y: Math.max(0, Math.min(f.height, Math.round(y))),
    };
  }

  private onPointerDown = (e: PointerEvent): void => {
    if (e.button !== 0) return;
    const p = this.framePoint(e);
    if (!p) return;
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    this.drag = { ...p, id: e.pointerId };
  };

  private onPointerMove = (e: PointerEvent): void => {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    const p = this.framePoint(e);
    if (!p) return;
    const x = Math.min(d.x, p.x);
    const y = Math.min(d.y, p.y);
    const w = Math.abs(p.x - d.x);
    const h = Math.abs(p.y - d.y);
    if (w >= 1 && h >= 1) this.region = { x, y, w, h };
  };

  private onPointerUp = (e: PointerEvent): void => {
    if (this.drag?.id === e.pointerId) this.drag = null;
  };

  private openExport = (): void => {
    const sum = this.summary;
    const f = this.playerState?.frame;
    if (!sum || !f || !this.source) return;
    this.client?.pause();
    const sel = this.selection() ?? { from: 0, to: sum.count - 1 };
    const r = this.region;
    // A region drawn on a frame of another size does not apply to this one.
    const fits = r && r.x + r.w <= f.width && r.y + r.h <= f.height;
    void this.exportDialog.show({
      source: this.source,
      summary: sum,
      baseName: sum.name.replace(/\.bin$/i, '') || 'recording',
      from: sel.from,
      to: sel.to,
      frame: { index: f.index, width: f.width, height: f.height, pixformat: f.pixformatCode },
      region: r && fits ? [r.x, r.y, r.w, r.h] : null,
    });
  };

  private copyFrame = async (): Promise<void> => {
    const client = this.client;
    if (!client) return;
    try {
      // The PNG is made while the clipboard write holds the click's user activation.
      await copyPng(client.snapshot().then((s) => rgbaToPng(s.width, s.height, s.rgba)));
      this.notice = { text: 'Frame copied to the clipboard as PNG.', error: false };
    } catch (e) {
      this.notice = { text: `Copy frame failed: ${e instanceof Error ? e.message : String(e)}`, error: true };
    }
  };

  private renderDamage(sum: StreamSummary) {
    const d = sum.damage!;
    return html`
      <div class="banner" role="alert">
        <span
          >Damaged from frame ${d.frameIndex + 1} (byte ${d.offset.toLocaleString('en-US')}): ${d.reason}. The
          ${sum.count} complete frames before it play; ${formatBytes(sum.bytes - d.offset)} after it are
          unreadable.</span
        >
        <button ?disabled=${this.repairing} @click=${this.repair}>Repair a copy</button>
      </div>
    `;
  }

  private repair = async (): Promise<void> => {
    if (!this.client) return;
    this.repairing = true;
    try {
      const copy = await this.client.repairCopy();
      this.dispatchEvent(
        new CustomEvent<RepairedCopy>('repaired-copy', { detail: copy, bubbles: true, composed: true }),
      );
    } catch (e) {
      this.problem = `Repair failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.repairing = false;
    }
  };

  private toggleFullscreen(): void {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void this.stage.requestFullscreen?.().catch(() => undefined);
  }
}

function sourceName(source: PlayerSource): string {
  return source.kind === 'file'
    ? source.file.name
    : source.kind === 'opfs'
      ? source.displayName
      : source.name;
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-player': OmvPlayer;
  }
  interface HTMLElementEventMap {
    'repaired-copy': CustomEvent<RepairedCopy>;
  }
}
