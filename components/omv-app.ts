import { LitElement, css, html, nothing } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { pickRecording } from '../src/app/pick-files';
import type { AppServices } from '../src/app/services';
import type { SelfCheckResult } from '../src/app/self-check';
import type { PlayerSource } from '../src/workers/player.protocol';
import type { OmvPlayer } from './omv-player';
import './omv-player';

/**
 * The application shell: opening recordings (picker, drag and drop, the sample), the player, and what
 * this browser offers the app. Services come from the composition root; the shell builds none.
 */
@customElement('omv-app')
export class OmvApp extends LitElement {
  static override styles = css`
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
    button {
      font: inherit;
      color: inherit;
      background: #253043;
      border: 1px solid #3a4a63;
      border-radius: 6px;
      padding: 0.35rem 0.8rem;
    }
    button.primary {
      background: #2f6fb3;
      border-color: #4a8ad0;
    }
    button:focus-visible {
      outline: 2px solid #4fb3ff;
      outline-offset: 2px;
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
  `;

  services?: AppServices;

  @state() private check: SelfCheckResult | null = null;
  @state() private dragging = false;
  @state() private current: { name: string; file: File | null } | null = null;
  @state() private opening = false;

  @query('omv-player') private player!: OmvPlayer;
  @query('input[type=file]') private fileInput!: HTMLInputElement;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.services?.runSelfCheck().then((r) => (this.check = r));
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
        </div>
        <input type="file" accept=".bin,application/x-openmv-imageio" aria-hidden="true" tabindex="-1" />
      </header>
      ${this.current ? html`<p class="current" aria-live="polite">Playing: ${this.current.name}</p>` : nothing}
      <omv-player .createClient=${this.services?.createPlayer ?? null}></omv-player>
      ${this.dragging ? html`<div class="drop" aria-hidden="true">Drop a recording to play it</div>` : nothing}
      <details>
        <summary>About this browser</summary>
        ${this.check ? this.renderCheck(this.check) : html`<p role="status">Checking…</p>`}
      </details>
    `;
  }

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
    const response = await fetch('/sample.bin');
    if (!response.ok) {
      this.current = null;
      return;
    }
    await this.openSource(
      { kind: 'bytes', bytes: await response.arrayBuffer(), name: 'sample.bin' },
      'sample.bin',
      null,
    );
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

declare global {
  interface HTMLElementTagNameMap {
    'omv-app': OmvApp;
  }
}
