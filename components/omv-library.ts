import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { controlStyles } from './shared-styles';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { RecordingRecord, RecordingsRepository, StorageEstimateInfo } from '../src/storage/recordings';
import { InspectError } from '../src/app/inspect-client';
import { formatBytes } from '../src/storage/units';
import './omv-library-item';
import type { LibraryItemDetail, LibraryRenameDetail } from './omv-library-item';

export type { LibraryItemDetail } from './omv-library-item';

/** An import under way: what, and how far. `done` is null while the file is being checked. */
interface ImportJob {
  name: string;
  done: number | null;
  total: number;
  controller: AbortController;
}

const PERSIST_REASON = 'Ask the browser not to clear your recordings when space runs low.';

/**
 * The library: recordings kept in this browser, with play, rename, download and delete, the storage
 * they use, and a way to import files with progress and cancel. Receives the repository; announces
 * `library-play` with the recording's id for the app to open it.
 */
@customElement('omv-library')
export class OmvLibrary extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
        color: #e8ecf2;
        background: #11151c;
      }
      h2 {
        margin: 0 0 0.5rem;
        font-size: 1.3rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li + li {
        border-top: 1px solid #2a3240;
      }
      .storage {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        color: #b8c2d1;
        font-size: 0.9rem;
      }
      .storage p {
        margin: 0;
      }
      .job {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        flex-wrap: wrap;
        margin: 0.75rem 0;
      }
      [role='progressbar'] {
        flex: 1 1 12rem;
        height: 0.6rem;
        background: #1d2430;
        border-radius: 0.3rem;
        overflow: hidden;
      }
      .bar {
        height: 100%;
        background: #7fb2ff;
      }
      [role='alert'] {
        color: #ff8389;
        margin: 0.5rem 0;
      }
      [role='alert']:empty,
      [role='status']:empty {
        display: none;
      }
    `,
  ];

  /** Where recordings live; without one the library says it is unavailable. */
  @property({ attribute: false }) repository?: RecordingsRepository;
  /** The recording to mark and scroll to (the one the recorder just saved). */
  @property({ attribute: false }) selectedId: string | null = null;

  @state() private records: RecordingRecord[] | null = null;
  @state() private storage: StorageEstimateInfo | null = null;
  @state() private job: ImportJob | null = null;
  @state() private errors: string[] = [];
  @state() private status = '';
  private subscribed: RecordingsRepository | undefined;
  private scrollPending = false;
  private refreshes = 0;

  /**
   * Imports files one after another, showing progress and a Cancel button. Errors are shown (role=alert),
   * not thrown; cancelling stops the batch. Resolves with the recordings that were kept.
   */
  async importFiles(files: File[]): Promise<RecordingRecord[]> {
    const repo = this.repository;
    if (!repo || this.job) {
      this.errors = [repo ? 'An import is already under way.' : 'The library is not available.'];
      return [];
    }
    const kept: RecordingRecord[] = [];
    const errors: string[] = [];
    this.errors = [];
    this.status = '';
    try {
      for (const file of files) {
        const controller = new AbortController();
        this.job = { name: file.name, done: null, total: file.size, controller };
        try {
          const onProgress = (done: number, total: number) => {
            if (this.job?.controller === controller) this.job = { ...this.job, done, total };
          };
          kept.push(await repo.importFile(file, { signal: controller.signal, onProgress }));
        } catch (e) {
          if (controller.signal.aborted) {
            this.status = `Import cancelled: nothing was kept from “${file.name}”.`;
            break;
          }
          errors.push(describe(e, file.name));
          this.errors = [...errors];
        }
      }
    } finally {
      this.job = null;
    }
    if (kept.length && !this.status)
      this.status = `Kept ${kept.map((r) => `“${r.name}”`).join(', ')} in the library.`;
    return kept;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.subscribe(undefined);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.repository && this.subscribed !== this.repository) {
      this.subscribe(this.repository);
      void this.refresh();
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('repository') && this.subscribed !== this.repository && this.isConnected) {
      this.subscribe(this.repository);
      this.records = null;
      this.storage = null;
      void this.refresh();
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('selectedId')) this.scrollPending = this.selectedId !== null;
    if (!this.scrollPending) return;
    // The list may refresh after the selection arrives: scroll once the item is there.
    const item = this.renderRoot.querySelector<HTMLElement>('omv-library-item[selected]');
    if (!item) return;
    this.scrollPending = false;
    item.scrollIntoView({ block: 'nearest' });
  }

  override render() {
    return html`
      <section aria-labelledby="library-title">
        <h2 id="library-title">Library</h2>
        ${this.renderStorage()} ${this.renderJob()}
        <p role="alert">${this.errors.map((e, i) => html`${i ? html`<br />` : nothing}${e}`)}</p>
        <p role="status">${this.status}</p>
        ${this.renderList()}
      </section>
    `;
  }

  private renderList() {
    if (!this.repository) return html`<p>The library is not available in this browser.</p>`;
    if (!this.records) return html`<p>Loading recordings…</p>`;
    if (this.records.length === 0) {
      return html`<p class="empty">No recordings yet. Open a .bin file and choose “Keep in library”.</p>`;
    }
    return html`
      <ul
        role="list"
        aria-label="Recordings"
        @library-item-rename=${this.onRename}
        @library-item-delete=${this.onDelete}
        @library-item-download=${this.onDownload}
      >
        ${repeat(
          this.records,
          (r) => r.id,
          (r) =>
            html`<li>
              <omv-library-item .record=${r} ?selected=${r.id === this.selectedId}></omv-library-item>
            </li>`,
        )}
      </ul>
    `;
  }

  private renderStorage() {
    const s = this.storage;
    if (!s) return nothing;
    return html`
      <div class="storage">
        <p id="storage-line">Storage: ${formatBytes(s.usage)} used of ${formatBytes(s.quota)} available</p>
        ${
          s.persisted
            ? html`<p>The browser keeps these recordings even when space runs low.</p>`
            : html`<button @click=${this.onPersist} aria-describedby="persist-reason">
                  Keep recordings safe
                </button>
                <p id="persist-reason">${PERSIST_REASON}</p>`
        }
      </div>
    `;
  }

  private renderJob() {
    const j = this.job;
    if (!j) return nothing;
    const pct = j.done === null || j.total === 0 ? null : Math.round((100 * j.done) / j.total);
    const label = j.done === null ? `Checking “${j.name}”…` : `Copying “${j.name}” into the library`;
    return html`
      <div class="job">
        <span id="job-label">${label}</span>
        <div
          role="progressbar"
          aria-labelledby="job-label"
          aria-valuemin="0"
          aria-valuemax="100"
          aria-valuenow=${pct ?? nothing}
          aria-valuetext=${j.done === null ? 'checking' : `${formatBytes(j.done)} of ${formatBytes(j.total)}`}
        >
          <div class="bar" style="width: ${pct ?? 0}%"></div>
        </div>
        <button @click=${() => j.controller.abort()}>Cancel</button>
      </div>
    `;
  }

  private subscribe(repo: RecordingsRepository | undefined): void {
    this.subscribed?.removeEventListener('change', this.onChange);
    this.subscribed = repo;
    repo?.addEventListener('change', this.onChange);
  }

  private onChange = () => void this.refresh();

  private async refresh(): Promise<void> {
    const repo = this.repository;
    if (!repo) return;
    const n = ++this.refreshes;
    try {
      const [records, storage] = await Promise.all([repo.list(), repo.estimate()]);
      if (n !== this.refreshes) return; // a newer refresh started meanwhile
      this.records = records;
      this.storage = storage;
    } catch (e) {
      if (n === this.refreshes) this.errors = [`The library could not be read: ${message(e)}`];
    }
  }

  private onRename = (e: CustomEvent<LibraryRenameDetail>) =>
    this.act((repo) => repo.rename(e.detail.id, e.detail.name), 'rename');

  private onDelete = (e: CustomEvent<LibraryItemDetail>) =>
    this.act((repo) => repo.delete(e.detail.id), 'delete');

  private onDownload = (e: CustomEvent<LibraryItemDetail>) =>
    this.act(async (repo) => {
      const file = await repo.getFile(e.detail.id);
      const url = URL.createObjectURL(file);
      const a = document.createElement('a');
      a.href = url;
      a.download = /\.bin$/i.test(file.name) ? file.name : `${file.name}.bin`;
      a.hidden = true;
      this.renderRoot.appendChild(a);
      a.click();
      a.remove();
      // The download has taken its reference by now; keep the URL a little longer for slow starts.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }, 'download');

  private onPersist = () =>
    this.act(async (repo) => {
      const granted = await repo.requestPersistence();
      this.status = granted
        ? 'The browser will keep your recordings when space runs low.'
        : 'The browser did not promise to keep them (it may once the app is installed or used more).';
    }, 'keep the recordings safe');

  private async act(work: (repo: RecordingsRepository) => Promise<unknown>, what: string): Promise<void> {
    const repo = this.repository;
    if (!repo) return;
    this.errors = [];
    try {
      await work(repo);
    } catch (e) {
      this.errors = [`Could not ${what}: ${message(e)}`];
    }
  }
}

const message = (e: unknown): string =>
  e instanceof Error || e instanceof DOMException ? e.message : String(e);

/** One line for a failed import: the inspect and quota errors already name the file and the cause. */
function describe(e: unknown, fileName: string): string {
  if (e instanceof InspectError || (e instanceof DOMException && e.name === 'QuotaExceededError'))
    return message(e);
  return `Could not keep “${fileName}”: ${message(e)}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-library': OmvLibrary;
  }
}
