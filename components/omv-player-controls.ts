import { LitElement, css, html, nothing } from 'lit';
import { controlStyles } from './shared-styles';
import { customElement, property } from 'lit/decorators.js';
import type { PlayerClient } from '../src/app/player-client';
import { formatTime } from '../src/app/format-time';
import type { PlayerState, StreamSummary } from '../src/workers/player.protocol';
import { ICONS } from './icons';

export const SPEEDS = [0.25, 0.5, 0.75, 1, 1.5, 2, 4] as const;
export const ZOOMS = { fit: 'Fit', '1': '1:1', '2': '2x' } as const;
export type Zoom = keyof typeof ZOOMS;

/**
 * The transport bar: play/pause, frame steps, position, speed, loop, zoom, full screen, shortcuts.
 * It calls the player client directly and reports zoom, full-screen and help requests as events.
 */
@customElement('omv-player-controls')
export class OmvPlayerControls extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem 0.6rem;
      }
      button {
        min-width: 2.4rem;
        display: inline-grid;
        place-items: center;
      }
      .position {
        flex: 1 1 12rem;
        min-width: 8rem;
        position: relative;
        display: flex;
        padding-bottom: 6px;
      }
      .position input {
        flex: 1;
        margin: 0;
      }
      /* The selection: a band under the track, from the in point to the out point. */
      .band {
        position: absolute;
        bottom: 0;
        height: 5px;
        border-radius: 2px;
        background: #e0a030;
        pointer-events: none;
      }
      .time {
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
    `,
  ];

  @property({ attribute: false }) client: PlayerClient | null = null;
  @property({ attribute: false }) state: PlayerState | null = null;
  @property({ attribute: false }) summary: StreamSummary | null = null;
  @property() zoom: Zoom = 'fit';
  /** The in/out points (inclusive frame indices), shown as a band on the position slider. */
  @property({ attribute: false }) selection: { from: number; to: number } | null = null;

  /** True while the slider is being dragged: incoming positions must not move it under the pointer. */
  private dragging = false;

  override render() {
    const s = this.state;
    const sum = this.summary;
    const disabled = !sum || sum.count === 0;
    const playing = s?.playing ?? false;
    const time = s?.frame?.timeMs ?? 0;
    const span = sum?.spanMs ?? 0;
    const frameText = s?.frame && sum ? `frame ${s.frame.index + 1} of ${sum.count}` : 'no recording';
    const sel = this.selection;
    let band: string | null = null;
    if (sel && sum && span > 0) {
      const a = ((sum.times[sel.from] ?? 0) / span) * 100;
      const b = ((sum.times[sel.to] ?? span) / span) * 100;
      band = `left:${a.toFixed(2)}%;width:max(3px, ${(b - a).toFixed(2)}%)`;
    }
    return html`
      <button ?disabled=${disabled} aria-label=${playing ? 'Pause' : 'Play'} @click=${this.togglePlay}>
        ${playing ? ICONS.pause : ICONS.play}
      </button>
      <button ?disabled=${disabled} aria-label="Previous frame" @click=${() => this.client?.step(-1)}>
        ${ICONS.prev}
      </button>
      <button ?disabled=${disabled} aria-label="Next frame" @click=${() => this.client?.step(1)}>
        ${ICONS.next}
      </button>
      <div class="position">
        <input
          type="range"
          aria-label="Position"
          data-selection=${sel ? `${sel.from}-${sel.to}` : ''}
          min="0"
          max=${span}
          step="any"
          .value=${this.dragging ? undefined : String(time)}
          aria-valuetext=${`${formatTime(time)}, ${frameText}`}
          ?disabled=${disabled}
          @pointerdown=${() => (this.dragging = true)}
          @pointerup=${() => (this.dragging = false)}
          @input=${(e: Event) => this.client?.seekTime(Number((e.target as HTMLInputElement).value))}
        />
        ${band ? html`<div class="band" style=${band} data-field="selection-band"></div>` : nothing}
      </div>
      <span class="time">${formatTime(time)} / ${formatTime(span)}</span>
      <select
        aria-label="Speed"
        ?disabled=${disabled}
        .value=${String(s?.speed ?? 1)}
        @change=${this.onSpeed}
      >
        ${SPEEDS.map((v) => html`<option value=${String(v)} ?selected=${(s?.speed ?? 1) === v}>${v}x</option>`)}
      </select>
      <button
        aria-label="Loop"
        aria-pressed=${String(s?.loop ?? false)}
        ?disabled=${disabled}
        @click=${() => this.client?.setLoop(!(s?.loop ?? false))}
      >
        ${ICONS.loop}
      </button>
      <select aria-label="Zoom" .value=${this.zoom} @change=${this.onZoom}>
        ${Object.entries(ZOOMS).map(([k, label]) => html`<option value=${k} ?selected=${this.zoom === k}>${label}</option>`)}
      </select>
      <button aria-label="Full screen" @click=${() => this.fire('fullscreen-request')}>
        ${ICONS.fullscreen}
      </button>
      <button aria-label="Keyboard shortcuts" @click=${() => this.fire('shortcuts-request')}>
        ${ICONS.help}
      </button>
    `;
  }

  private togglePlay = (): void => {
    if (this.state?.playing) this.client?.pause();
    else this.client?.play();
  };

  private onSpeed = (e: Event): void => {
    this.client?.setSpeed(Number((e.target as HTMLSelectElement).value));
  };

  private onZoom = (e: Event): void => {
    const zoom = (e.target as HTMLSelectElement).value as Zoom;
    this.dispatchEvent(new CustomEvent<Zoom>('zoom-change', { detail: zoom, bubbles: true, composed: true }));
  };

  private fire(name: 'fullscreen-request' | 'shortcuts-request'): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-player-controls': OmvPlayerControls;
  }
  interface HTMLElementEventMap {
    'zoom-change': CustomEvent<Zoom>;
    'fullscreen-request': CustomEvent<void>;
    'shortcuts-request': CustomEvent<void>;
  }
}
