import { LitElement, css, html, nothing } from 'lit';
import { controlStyles } from './shared-styles';
import { customElement, property, query, state } from 'lit/decorators.js';
import { pickRecording } from '../src/app/pick-files';
import { RECORDINGS_DIR } from '../src/storage/opfs-dir';
import type { AppServices } from '../src/app/services';
import type { RecorderNotice } from '../src/app/recorder-service';
import type { SelfCheckResult } from '../src/app/self-check';
import type { PlayerSource } from '../src/workers/player.protocol';
import type { OmvLibrary } from './omv-library';
import type { OmvPlayer, RepairedCopy } from './omv-player';
import './omv-player';
import './omv-live-view';
import './omv-library';
import './omv-install-button';
import './omv-toasts';

/**
 * The application shell: opening recordings (picker, drag and drop, the sample), the player, and what
 * this browser offers the app. Services come from the composition root; the shell builds none.
 */
@customElement('omv-app')
export class OmvApp extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
        max-width: 80rem;
        margin: 0 auto;
        padding: 1rem 1.5rem 3rem;
        line-height: 1.5;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.6rem 1rem;
        margin-bottom: 0.8rem;
      }
      h1 {
        margin: 0;
        font-size: 1.5rem;
        flex: 1 1 auto;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .current {
        color: #9fb0c8;
        margin: 0 0 0.5rem;
      }
      .drop {
        position: fixed;
        inset: 0;
        display: grid;
        place-items: center;
        background: rgb(17 21 28 / 0.85);
        border: 3px dashed #4fb3ff;
        font-size: 1.4rem;
        z-index: 10;
        pointer-events: none;
      }
      details {
        margin-top: 2rem;
        color: #9fb0c8;
      }
      .ok {
        color: #6fdc8c;
      }
      .bad {
        color: #ff8389;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.25rem 1rem;
      }
      dt {
        font-weight: 600;
      }
      dd {
        margin: 0;
      }
      input[type='file'] {
        display: none;
      }
    `,
  ];

  @property({ attribute: false }) services?: AppServices;

  @state() private check: SelfCheckResult | null = null;
  @state() private repaired: RepairedCopy | null = null;
  @state() private dragging = false;
  @state() private current: { name: string; file: File | null; fromLibrary?: boolean } | null = null;
  @state() private opening = false;
  /** The recording the recorder saved last: selected in the library. */
  @state() private savedId: string | null = null;
  private watchedRecorder: EventTarget | null = null;
  private readonly onSaved = (e: Event) => (this.savedId = (e as CustomEvent<{ id: string }>).detail.id);
  /** What the recorder's start-up recovery found, until dismissed. */
  @state() private notice: RecorderNotice | null = null;
  private readonly onNotice = (e: Event) => (this.notice = (e as CustomEvent<RecorderNotice>).detail);

  @query('omv-player') private player!: OmvPlayer;
  @query('omv-library') private library!: OmvLibrary | null;
  @query('input[type=file]') private fileInput!: HTMLInputElement;

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('services') && this.services)
      void this.services.runSelfCheck().then((r) => (this.check = r));
    const recorder = this.services?.recorder ?? null;
    if (recorder !== this.watchedRecorder) {
      this.watchedRecorder?.removeEventListener('saved', this.onSaved);
      this.watchedRecorder?.removeEventListener('notice', this.onNotice);
      recorder?.addEventListener('saved', this.onSaved);
      recorder?.addEventListener('notice', this.onNotice);
      this.watchedRecorder = recorder;
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('dragover', this.onDragOver);
    window.addEventListener('dragleave', this.onDragLeave);
    window.addEventListener('drop', this.onDrop);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('dragover', this.onDragOver);
    window.removeEventListener('dragleave', this.onDragLeave);
    window.removeEventListener('drop', this.onDrop);
  }

  /** Opens a recording in the player (from the picker, a drop, the OS or a share). */
  async openFile(file: File): Promise<void> {
    await this.openSource({ kind: 'file', file }, file.name, file);
  }

  override render() {
    return html`
      <header>
        <h1>omv-recorder</h1>
        <div class="actions">
          <button class="primary" @click=${this.onOpenClick} ?disabled=${this.opening}>Open file</button>
          <button @click=${this.onSample} ?disabled=${this.opening}>Try a sample</button>
          <button @click=${() => void this.services?.camera.connectSerial()} ?disabled=${!this.services}>
            Connect camera
          </button>
          <button @click=${() => void this.services?.camera.connectDemo()} ?disabled=${!this.services}>
            Use demo camera
          </button>
          <omv-install-button .pwa=${this.services?.pwa}></omv-install-button>
        </div>
        <input type="file" accept=".bin,application/x-openmv-imageio" aria-hidden="true" tabindex="-1" />
      </header>
      <omv-live-view
        .service=${this.services?.camera ?? null}
        .createClient=${this.services?.createLiveView ?? null}
        .recorder=${this.services?.recorder ?? null}
      ></omv-live-view>
      ${this.current ? this.renderCurrent(this.current) : nothing}
      ${this.repaired ? this.renderRepaired(this.repaired) : nothing}
      <omv-player
        .createClient=${this.services?.createPlayer ?? null}
        @repaired-copy=${(e: CustomEvent<RepairedCopy>) => (this.repaired = e.detail)}
      ></omv-player>
      ${this.notice ? this.renderNotice(this.notice) : nothing}
      <omv-library
        .repository=${this.services?.library}
        .selectedId=${this.savedId}
        @library-play=${this.onLibraryPlay}
      ></omv-library>
      ${this.dragging ? html`<div class="drop" aria-hidden="true">Drop a recording to play it</div>` : nothing}
      <omv-toasts .pwa=${this.services?.pwa}></omv-toasts>
      <details>
        <summary>About this browser</summary>
        ${this.check ? this.renderCheck(this.check) : html`<p role="status">Checking…</p>`}
      </details>
    `;
  }

  private renderNotice(n: RecorderNotice) {
    return html`<p
      class="current ${n.problem ? 'bad' : ''}"
      role=${n.problem ? 'alert' : 'status'}
      data-field="app-notice"
    >
      ${n.text} <button @click=${() => (this.notice = null)}>Dismiss</button>
    </p>`;
  }

  private renderCurrent(c: { name: string; file: File | null; fromLibrary?: boolean }) {
    const canKeep = c.file && !c.fromLibrary && this.services?.library;
    return html`<p class="current" aria-live="polite">
      Playing: ${c.name}
      ${canKeep ? html`<button @click=${() => this.keep(c.file!)}>Keep in library</button>` : nothing}
    </p>`;
  }

  private renderRepaired(r: RepairedCopy) {
    const name = `${(this.current?.name ?? 'recording').replace(/\.bin$/i, '')}-repaired.bin`;
    const file = new File([r.file], name, { type: r.file.type });
    return html`<p class="current" role="status">
      Repaired copy ready: ${r.frames} frames, ${(r.bytes / 1e6).toFixed(1)} MB.
      <button @click=${() => download(file)}>Download repaired copy</button>
      ${this.services?.library ? html`<button @click=${() => this.keep(file)}>Keep repaired copy in library</button>` : nothing}
      <button @click=${() => this.openFile(file)}>Play repaired copy</button>
      <button @click=${() => (this.repaired = null)}>Dismiss</button>
    </p>`;
  }

  private async keep(file: File): Promise<void> {
    await this.library?.importFiles([file]);
  }

  private onLibraryPlay = async (e: CustomEvent<{ id: string }>): Promise<void> => {
    const repo = this.services?.library;
    if (!repo) return;
    const record = await repo.get(e.detail.id);
    if (!record) return;
    const name = await repo.opfsName(record.id);
    await this.openSource(
      { kind: 'opfs', dir: RECORDINGS_DIR, name, displayName: record.name },
      record.name,
      null,
    );
    this.current = this.current ? { ...this.current, fromLibrary: true } : null;
  };

  private async openSource(source: PlayerSource, name: string, file: File | null): Promise<void> {
    this.opening = true;
    try {
      const summary = await this.player.open(source);
      this.current = summary ? { name, file } : null;
    } finally {
      this.opening = false;
    }
  }

  private onOpenClick = async (): Promise<void> => {
    const file = await pickRecording(this.fileInput);
    if (file) await this.openFile(file);
  };

  private onSample = async (): Promise<void> => {
    let blob: Blob;
    try {
      const response = await fetch('/sample.bin');
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      blob = await response.blob();
    } catch (e) {
      await this.player.showProblem(
        `The sample could not be loaded (${e instanceof Error ? e.message : String(e)}).`,
      );
      return;
    }
    await this.openFile(new File([blob], 'sample.bin', { type: 'application/x-openmv-imageio' }));
  };

  private onDragOver = (e: DragEvent): void => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    this.dragging = true;
  };

  private onDragLeave = (e: DragEvent): void => {
    if (e.relatedTarget === null) this.dragging = false;
  };

  private onDrop = (e: DragEvent): void => {
    const file = e.dataTransfer?.files[0];
    this.dragging = false;
    if (!file) return;
    e.preventDefault();
    void this.openFile(file);
  };

  private renderCheck(c: SelfCheckResult) {
    const yes = (v: boolean, good: string, bad: string) =>
      html`<span class=${v ? 'ok' : 'bad'}>${v ? good : bad}</span>`;
    return html`
      <dl id="self-check" data-shared-memory=${c.sharedMemoryWorker}>
        <dt>Cross-origin isolation</dt>
        <dd>${yes(c.crossOriginIsolated, 'yes', 'no: shared memory is unavailable')}</dd>
        <dt>Shared memory with workers</dt>
        <dd>
          ${yes(c.sharedMemoryWorker === 'ok', 'works', c.sharedMemoryWorker)}
          ${c.detail ? html`<small>(${c.detail})</small>` : nothing}
        </dd>
        <dt>Web Serial (camera link)</dt>
        <dd>${yes(c.webSerial, 'available', 'not available in this browser')}</dd>
        <dt>Private storage (OPFS)</dt>
        <dd>${yes(c.opfs, 'available', 'not available')}</dd>
      </dl>
    `;
  }
}

/** Saves a file through the browser's download (the platform has no other save path here). */
function download(file: File): void {
  const url = URL.createObjectURL(file);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-app': OmvApp;
  }
}
