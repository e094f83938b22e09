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
import './omv-player-controls';
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
  /** The stage's content box, for fitting the frame (object-fit does not apply to a transferred canvas). */
  @state() private stageSize = { width: 0, height: 0 };
  private readonly resize = new ResizeObserver(([entry]) => {
    if (entry) this.stageSize = { width: entry.contentRect.width, height: entry.contentRect.height };
  });

  @query('canvas') private canvas!: HTMLCanvasElement;
  @query('.stage') private stage!: HTMLElement;
  @query('omv-shortcuts-dialog') private shortcuts!: OmvShortcutsDialog;

  /** The worker-side player, created on first render. */
  client: PlayerClient | null = null;

  constructor() {
    super();
    new PlayerKeysController(this, {
      active: () => this.summary !== null && this.summary.count > 0,
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
    try {
      this.summary = await this.client.open(source);
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
        <canvas class=${zoomed ? 'zoomed' : 'fit'} style=${style} aria-hidden="true"></canvas>
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
      <omv-frame-info .state=${this.playerState} .summary=${sum}></omv-frame-info>
      <omv-shortcuts-dialog></omv-shortcuts-dialog>
    `;
  }

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
