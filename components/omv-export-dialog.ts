import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { controlStyles } from './shared-styles';
import { formatBytes, formatTime } from '../src/app/format-time';
import { canShareFile, download, shareOrDownload } from '../src/app/share';
import {
  estimateGif,
  runExport,
  type ExportSpec,
  type GifEstimate,
  type StillExportFormat,
} from '../src/export/export-job';
import { PIXFORMAT, isBayer, pixformatName } from '../src/format/pixformat';
import type { PlayerSource, StreamSummary } from '../src/workers/player.protocol';

/** What the player hands the dialog when it opens. */
export interface ExportContext {
  source: PlayerSource;
  summary: StreamSummary;
  /** Base name for the output files (the recording's name without `.bin`). */
  baseName: string;
  /** The selection (inclusive frame indices): the whole recording when nothing was chosen. */
  from: number;
  to: number;
  /** The frame on screen, for a still. */
  frame: { index: number; width: number; height: number; pixformat: number };
  /** A region of the frame, `[x, y, w, h]` in frame pixels. */
  region: [number, number, number, number] | null;
}

type Kind = 'gif' | 'avi' | 'bin' | 'still';
const KINDS: Record<Kind, string> = {
  gif: 'Animated GIF',
  avi: 'Motion-JPEG AVI',
  bin: 'ImageIO .bin (trimmed, V2.0)',
  still: 'Still image (current frame)',
};
const STILLS: Record<StillExportFormat, { label: string; ext: string }> = {
  png: { label: 'PNG', ext: 'png' },
  jpeg: { label: 'JPEG', ext: 'jpg' },
  bmp: { label: 'BMP', ext: 'bmp' },
  pgm: { label: 'PGM', ext: 'pgm' },
  ppm: { label: 'PPM', ext: 'ppm' },
};

/** Why a still format cannot hold a frame of `pixformat` (formats.md B §6.1), or null when it can. */
export function stillRefusal(format: StillExportFormat, pixformat: number): string | null {
  const name = pixformatName(pixformat);
  switch (format) {
    case 'pgm':
      return pixformat === PIXFORMAT.GRAYSCALE
        ? null
        : `PGM holds GRAYSCALE frames only; this one is ${name}`;
    case 'ppm':
      return pixformat === PIXFORMAT.RGB565 ? null : `PPM holds RGB565 frames only; this one is ${name}`;
    case 'bmp':
      return pixformat === PIXFORMAT.JPEG || pixformat === PIXFORMAT.PNG || isBayer(pixformat)
        ? `BMP is not written from ${name} frames (as Image.save on the camera)`
        : null;
    default:
      return null;
  }
}

/**
 * The "Export" dialog: clip (GIF, AVI, trimmed .bin) or still of the player's selection, options,
 * progress with Cancel, then Share or Download. The work runs in an export worker.
 */
@customElement('omv-export-dialog')
export class OmvExportDialog extends LitElement {
  static override styles = [
    controlStyles,
    css`
      dialog {
        background: #1d2430;
        color: #e8ecf2;
        border: 1px solid #3a4a63;
        border-radius: 10px;
        padding: 1rem 1.5rem;
        min-width: min(28rem, 90vw);
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.5);
      }
      h2 {
        margin: 0 0 0.6rem;
      }
      .grid {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0.4rem 0.8rem;
        align-items: center;
      }
      .actions {
        display: flex;
        gap: 0.6rem;
        margin-top: 1rem;
        flex-wrap: wrap;
      }
      .note {
        color: #9fb0c8;
        font-size: 0.9em;
      }
      .error {
        color: #ff8389;
      }
      progress {
        width: 100%;
      }
      ul {
        margin: 0.3rem 0;
        padding-left: 1.2rem;
      }
    `,
  ];

  @property({ attribute: false }) context: ExportContext | null = null;
  @state() private kind: Kind = 'gif';
  @state() private gifWidth = 0;
  @state() private speed = 1;
  @state() private palette: 'global' | 'per-frame' = 'global';
  @state() private dither: 'none' | 'floyd-steinberg' | 'bayer' = 'none';
  @state() private loop = true;
  @state() private quality = 90;
  @state() private stillFormat: StillExportFormat = 'png';
  @state() private stillQuality = 90;
  @state() private subsampling: 'auto' | '444' | '422' | '420' = 'auto';
  @state() private estimate: GifEstimate | null = null;
  @state() private estimating = false;
  @state() private estimateError: string | null = null;
  @state() private progress: { done: number; total: number; leftMs: number | null } | null = null;
  @state() private result: { file: File; summary: string } | null = null;
  @state() private message: string | null = null;
  @state() private failed = false;

  @query('dialog') private dialog!: HTMLDialogElement;
  private running: AbortController | null = null;
  private estimateRun: AbortController | null = null;

  get open(): boolean {
    return this.dialog?.open ?? false;
  }

  /** Opens the dialog for `context`. */
  async show(context: ExportContext): Promise<void> {
    this.context = context;
    this.result = null;
    this.message = null;
    this.progress = null;
    this.gifWidth = context.frame.width;
    const refused = stillRefusal(this.stillFormat, context.frame.pixformat);
    if (refused) this.stillFormat = 'png';
    await this.updateComplete;
    if (!this.dialog.open) this.dialog.showModal();
    this.refreshEstimate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.running?.abort();
    this.estimateRun?.abort();
  }

  private gifSpec(): ExportSpec & { kind: 'gif' } {
    const c = this.context!;
    return {
      kind: 'gif',
      from: c.from,
      to: c.to,
      width: this.gifWidth > 0 ? this.gifWidth : undefined,
      speed: this.speed,
      palette: this.palette,
      dither: this.dither,
      loop: this.loop,
    };
  }

  private spec(): ExportSpec {
    const c = this.context!;
    switch (this.kind) {
      case 'gif':
        return this.gifSpec();
      case 'avi':
        return { kind: 'avi', from: c.from, to: c.to, quality: this.quality };
      case 'bin':
        return { kind: 'bin', from: c.from, to: c.to };
      case 'still':
        return {
          kind: 'still',
          frame: c.frame.index,
          format: this.stillFormat,
          roi: c.region ?? undefined,
          quality: this.stillQuality,
          subsampling: this.subsampling,
        };
    }
  }

  private fileName(): string {
    const c = this.context!;
    const range = `f${c.from + 1}-${c.to + 1}`;
    switch (this.kind) {
      case 'gif':
        return `${c.baseName}-${range}.gif`;
      case 'avi':
        return `${c.baseName}-${range}.avi`;
      case 'bin':
        return `${c.baseName}-${range}.bin`;
      case 'still':
        return `${c.baseName}-frame${c.frame.index + 1}${c.region ? '-region' : ''}.${STILLS[this.stillFormat].ext}`;
    }
  }

  /** Re-estimates the GIF's size after an option changed (the previous estimate is abandoned). */
  private refreshEstimate(): void {
    this.estimateRun?.abort();
    this.estimate = null;
    this.estimateError = null;
    if (this.kind !== 'gif' || !this.context || this.progress) return;
    const run = new AbortController();
    this.estimateRun = run;
    this.estimating = true;
    estimateGif(this.context.source, this.gifSpec(), { signal: run.signal })
      .then((e) => {
        if (this.estimateRun === run) this.estimate = e;
      })
      .catch((e: unknown) => {
        if (this.estimateRun === run && !run.signal.aborted)
          this.estimateError = e instanceof Error ? e.message : String(e);
      })
      .finally(() => {
        if (this.estimateRun === run) this.estimating = false;
      });
  }

  private start = async (): Promise<void> => {
    const c = this.context;
    if (!c || this.running) return;
    // An estimate still being made would only slow the export down.
    if (this.estimating) this.estimateRun?.abort();
    const run = new AbortController();
    this.running = run;
    this.result = null;
    this.message = null;
    this.failed = false;
    const total = this.kind === 'still' ? 1 : c.to - c.from + 1;
    this.progress = { done: 0, total, leftMs: null };
    const started = performance.now();
    try {
      this.result = await runExport(c.source, this.spec(), this.fileName(), {
        signal: run.signal,
        onProgress: ({ done, total }) => {
          const spent = performance.now() - started;
          this.progress = { done, total, leftMs: done > 0 ? (spent / done) * (total - done) : null };
        },
      });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.failed = err.name !== 'AbortError';
      this.message =
        err.name === 'AbortError'
          ? 'Export cancelled; nothing was saved.'
          : `Export failed: ${err.name}: ${err.message}`;
    } finally {
      this.running = null;
      this.progress = null;
    }
  };

  private cancel = (): void => {
    this.running?.abort();
  };

  private close = (): void => {
    this.running?.abort();
    this.estimateRun?.abort();
    this.dialog.close();
  };

  private deliver = async (): Promise<void> => {
    const r = this.result;
    if (!r) return;
    try {
      const how = await shareOrDownload(r.file);
      this.message =
        how === 'shared'
          ? `Shared ${r.file.name}.`
          : how === 'downloaded'
            ? `Downloaded ${r.file.name}.`
            : 'Sharing was dismissed.';
    } catch (e) {
      this.failed = true;
      this.message = `Sharing failed (${e instanceof Error ? e.message : String(e)}); use Download instead.`;
    }
  };

  override render() {
    const c = this.context;
    return html`
      <dialog aria-labelledby="export-title" @cancel=${this.onDialogCancel} @close=${this.onClosed}>
        <h2 id="export-title">Export</h2>
        ${c ? this.renderBody(c) : nothing}
      </dialog>
    `;
  }

  private onDialogCancel = (e: Event): void => {
    // Escape during an export cancels the export first; the dialog stays to say so.
    if (this.running) {
      e.preventDefault();
      this.cancel();
    }
  };

  private onClosed = (): void => {
    this.running?.abort();
    this.estimateRun?.abort();
  };

  private renderBody(c: ExportContext) {
    const n = c.to - c.from + 1;
    const times = c.summary.times;
    const span = (times[c.to] ?? 0) - (times[c.from] ?? 0);
    const busy = this.progress !== null;
    return html`
      <div class="grid">
        <label for="kind">Export as</label>
        <select id="kind" ?disabled=${busy} @change=${this.onKind}>
          ${(Object.keys(KINDS) as Kind[]).map(
            (k) => html`<option value=${k} ?selected=${this.kind === k}>${KINDS[k]}</option>`,
          )}
        </select>
        ${
          this.kind === 'still'
            ? html`<span>Frame</span>
                <span
                  >${c.frame.index + 1} (${pixformatName(c.frame.pixformat)}
                  ${c.frame.width}×${c.frame.height})${
                    c.region
                      ? html`, region ${c.region[2]}×${c.region[3]} at ${c.region[0]},${c.region[1]}`
                      : nothing
                  }</span
                >`
            : html`<span>Selection</span>
                <span>frames ${c.from + 1} to ${c.to + 1} (${n} frames, ${formatTime(span)})</span>`
        }
        ${this.kind === 'gif' ? this.renderGif(c, busy) : nothing}
        ${this.kind === 'avi' ? this.renderAvi(busy) : nothing}
        ${this.kind === 'still' ? this.renderStill(c, busy) : nothing}
      </div>
      ${this.kind === 'still' ? this.renderStillNotes(c) : nothing}
      ${
        this.kind === 'avi' || this.kind === 'bin'
          ? html`<p class="note">AVI and .bin files are downloaded (they are not shareable file types).</p>`
          : nothing
      }
      ${this.progress ? this.renderProgress(this.progress) : nothing}
      ${
        this.message
          ? html`<p class=${this.failed ? 'error' : 'note'} role=${this.failed ? 'alert' : 'status'}>
              ${this.message}
            </p>`
          : nothing
      }
      ${this.result ? html`<p class="note" role="status">Ready: ${this.result.file.name}, ${formatBytes(this.result.file.size)} (${this.result.summary}).</p>` : nothing}
      <div class="actions">
        ${
          busy
            ? html`<button @click=${this.cancel}>Cancel</button>`
            : html`<button class="primary" @click=${this.start}>Start export</button>`
        }
        ${this.result && !busy ? this.renderDeliver(this.result.file) : nothing}
        <button ?disabled=${busy} @click=${this.close}>Close</button>
      </div>
    `;
  }

  private renderDeliver(file: File) {
    const share = canShareFile(file);
    return html`<button class="primary" @click=${this.deliver}>${share ? 'Share' : 'Download'}</button> ${
        share ? html`<button @click=${() => download(file)}>Save a copy</button>` : nothing
      }`;
  }

  private renderGif(c: ExportContext, busy: boolean) {
    const w = this.gifWidth || c.frame.width;
    const h = Math.max(2, 2 * Math.round((w * c.frame.height) / c.frame.width / 2));
    const est = this.estimate;
    return html`
      <label for="gif-width">Width</label>
      <span
        ><input
          id="gif-width"
          type="number"
          min="16"
          max="4096"
          step="2"
          .value=${String(w)}
          ?disabled=${busy}
          @change=${(e: Event) => {
            const v = Math.round(Number((e.target as HTMLInputElement).value));
            this.gifWidth = Number.isFinite(v) && v >= 16 ? Math.min(4096, v) : c.frame.width;
            this.refreshEstimate();
          }}
        />
        × ${h} (aspect kept)</span
      >
      <label for="gif-speed">Speed</label>
      <select id="gif-speed" ?disabled=${busy} @change=${this.onOption((v) => (this.speed = Number(v)))}>
        ${[0.25, 0.5, 1, 2, 4].map((s) => html`<option value=${s} ?selected=${this.speed === s}>${s}x</option>`)}
      </select>
      <label for="gif-palette">Palette</label>
      <select
        id="gif-palette"
        ?disabled=${busy}
        @change=${this.onOption((v) => (this.palette = v as 'global' | 'per-frame'))}
      >
        <option value="global" ?selected=${this.palette === 'global'}>One palette for the clip</option>
        <option value="per-frame" ?selected=${this.palette === 'per-frame'}>A palette per frame</option>
      </select>
      <label for="gif-dither">Dithering</label>
      <select
        id="gif-dither"
        ?disabled=${busy}
        @change=${this.onOption((v) => (this.dither = v as 'none' | 'floyd-steinberg' | 'bayer'))}
      >
        <option value="none" ?selected=${this.dither === 'none'}>None</option>
        <option value="floyd-steinberg" ?selected=${this.dither === 'floyd-steinberg'}>
          Floyd–Steinberg
        </option>
        <option value="bayer" ?selected=${this.dither === 'bayer'}>Ordered (Bayer)</option>
      </select>
      <label for="gif-loop">Loop</label>
      <span
        ><input
          id="gif-loop"
          type="checkbox"
          .checked=${this.loop}
          ?disabled=${busy}
          @change=${(e: Event) => {
            this.loop = (e.target as HTMLInputElement).checked;
            this.refreshEstimate();
          }}
      /></span>
      <span>Estimated size</span>
      <span data-field="estimate"
        >${
          est
            ? `about ${formatBytes(est.bytes)} (${est.width}×${est.height}, ${est.frames} frames)`
            : this.estimating
              ? 'estimating…'
              : this.estimateError
                ? `not available (${this.estimateError})`
                : '—'
        }</span
      >
    `;
  }

  private renderAvi(busy: boolean) {
    return html`
      <label for="avi-quality">JPEG quality</label>
      <span
        ><input
          id="avi-quality"
          type="number"
          min="1"
          max="100"
          .value=${String(this.quality)}
          ?disabled=${busy}
          @change=${(e: Event) => (this.quality = clampQuality((e.target as HTMLInputElement).value, 90))}
        />
        <span class="note">for frames that must be encoded; JPEG frames are copied as they are</span></span
      >
    `;
  }

  private renderStill(c: ExportContext, busy: boolean) {
    return html`
      <label for="still-format">Format</label>
      <select
        id="still-format"
        ?disabled=${busy}
        @change=${(e: Event) =>
          (this.stillFormat = (e.target as HTMLSelectElement).value as StillExportFormat)}
      >
        ${(Object.keys(STILLS) as StillExportFormat[]).map((f) => {
          const why = stillRefusal(f, c.frame.pixformat);
          return html`<option
            value=${f}
            ?disabled=${why !== null}
            ?selected=${this.stillFormat === f}
            title=${why ?? ''}
          >
            ${STILLS[f].label}${why ? ' (not for this frame)' : ''}
          </option>`;
        })}
      </select>
      ${
        this.stillFormat === 'jpeg'
          ? html`<label for="still-quality">JPEG quality</label>
              <input
                id="still-quality"
                type="number"
                min="1"
                max="100"
                .value=${String(this.stillQuality)}
                ?disabled=${busy}
                @change=${(e: Event) =>
                  (this.stillQuality = clampQuality((e.target as HTMLInputElement).value, 90))}
              />
              <label for="still-subsampling">Chroma subsampling</label>
              <select
                id="still-subsampling"
                ?disabled=${busy}
                @change=${(e: Event) =>
                  (this.subsampling = (e.target as HTMLSelectElement).value as typeof this.subsampling)}
              >
                ${(['auto', '444', '422', '420'] as const).map(
                  (s) =>
                    html`<option value=${s} ?selected=${this.subsampling === s}>
                      ${s === 'auto' ? 'Automatic (by quality)' : `${s[0]}:${s[1]}:${s[2]}`}
                    </option>`,
                )}
              </select>`
          : nothing
      }
    `;
  }

  private renderStillNotes(c: ExportContext) {
    const refused = (Object.keys(STILLS) as StillExportFormat[])
      .map((f) => [f, stillRefusal(f, c.frame.pixformat)] as const)
      .filter(([, why]) => why !== null);
    const jpegPass = c.frame.pixformat === PIXFORMAT.JPEG && !c.region;
    return html`
      ${
        refused.length
          ? html`<ul class="note" aria-label="Formats not offered">
              ${refused.map(([f, why]) => html`<li>${STILLS[f].label}: ${why}.</li>`)}
            </ul>`
          : nothing
      }
      ${
        c.region
          ? html`<p class="note">
              The region is cut out by BMP, PGM and PPM as Image.save does; for JPEG and PNG the decoded frame
              is cropped first.
            </p>`
          : nothing
      }
      ${
        jpegPass && this.stillFormat === 'jpeg'
          ? html`<p class="note">This frame is a JPEG: it is saved as it is (quality does not apply).</p>`
          : nothing
      }
    `;
  }

  private renderProgress(p: { done: number; total: number; leftMs: number | null }) {
    return html`
      <progress max=${p.total} .value=${p.done} aria-label="Export progress"></progress>
      <p class="note" role="status" data-field="progress">
        ${p.done} / ${p.total}
        frames${p.leftMs !== null ? `, about ${Math.ceil(p.leftMs / 1000)} s left` : ''}
      </p>
    `;
  }

  private onKind = (e: Event): void => {
    this.kind = (e.target as HTMLSelectElement).value as Kind;
    this.result = null;
    this.message = null;
    this.refreshEstimate();
  };

  private onOption(set: (value: string) => void) {
    return (e: Event): void => {
      set((e.target as HTMLSelectElement).value);
      this.refreshEstimate();
    };
  }
}

function clampQuality(value: string, fallback: number): number {
  const q = Math.round(Number(value));
  return Number.isFinite(q) && q >= 1 ? Math.min(100, q) : fallback;
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-export-dialog': OmvExportDialog;
  }
}
