import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { controlStyles } from './shared-styles';
import { customElement, property, state } from 'lit/decorators.js';
import type { RecordingRecord } from '../src/storage/recordings';
import { formatBytes } from '../src/storage/units';

/** Detail of every library event: which recording. */
export interface LibraryItemDetail {
  id: string;
}

/** Detail of a rename the person confirmed (not yet validated: the repository does that). */
export interface LibraryRenameDetail extends LibraryItemDetail {
  name: string;
}

/** `mm:ss.s`, minutes unbounded, from milliseconds. */
export function formatDuration(ms: number): string {
  const tenths = Math.max(0, Math.round(ms / 100));
  const minutes = Math.floor(tenths / 600);
  const rest = tenths % 600;
  return `${String(minutes).padStart(2, '0')}:${String(Math.floor(rest / 10)).padStart(2, '0')}.${rest % 10}`;
}

type ItemMode = 'view' | 'rename' | 'confirm-delete';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * One recording in the library list: thumbnail, metadata and its four actions. Presentational: it
 * reports what the person asked for with events, and `<omv-library>` does it.
 */
@customElement('omv-library-item')
export class OmvLibraryItem extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host {
        display: grid;
        grid-template-columns: 160px 1fr;
        gap: 0.75rem 1rem;
        padding: 0.75rem 0;
      }
      .thumb {
        width: 160px;
        height: 120px;
        object-fit: contain;
        background: #0b0e13;
        border-radius: 4px;
        display: grid;
        place-items: center;
        color: #9aa6b8;
        font-size: 0.85rem;
      }
      h3 {
        margin: 0;
        font-size: 1.05rem;
        overflow-wrap: anywhere;
      }
      .meta {
        margin: 0.25rem 0 0.5rem;
        color: #b8c2d1;
        font-size: 0.9rem;
      }
      .meta span:not(:last-child)::after {
        content: ' · ';
      }
      :host([selected]) {
        outline: 2px solid #4fb3ff;
        outline-offset: 4px;
        border-radius: 4px;
      }
      .badge {
        color: #ffb86b;
      }
      .badge.live {
        color: #ff8389;
      }
      .damage {
        color: #ffb86b;
        margin: 0 0 0.5rem;
        font-size: 0.9rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .sr {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip-path: inset(50%);
        white-space: nowrap;
      }
      button.danger {
        border-color: #ff8389;
        color: #ffc2c5;
      }
      :is(button, input):focus-visible {
        outline: 2px solid #7fb2ff;
        outline-offset: 2px;
      }
      input {
        min-width: 14rem;
      }
    `,
  ];

  @property({ attribute: false }) record?: RecordingRecord;
  /** The recording just made (the library scrolls to it and marks it). */
  @property({ type: Boolean, reflect: true }) selected = false;

  @state() private mode: ItemMode = 'view';
  private thumbUrl: string | null = null;
  private thumbKey = '';
  /** Element to focus after the next render: keeps keyboard users where they were when the mode changes. */
  private focusNext: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.requestUpdate(); // recreate the thumbnail URL revoked on disconnect
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.setThumbnail(null, '');
  }

  protected override willUpdate(_changed: PropertyValues<this>): void {
    const r = this.record;
    // The thumbnail of an id never changes; keying by id avoids a new object URL on every list refresh.
    const key = r?.thumbnail ? r.id : '';
    if (key !== this.thumbKey) this.setThumbnail(r?.thumbnail ?? null, key);
  }

  protected override updated(): void {
    if (!this.focusNext) return;
    const el = this.renderRoot.querySelector<HTMLElement>(this.focusNext);
    this.focusNext = null;
    el?.focus();
    if (el instanceof HTMLInputElement) el.select();
  }

  override render() {
    const r = this.record;
    if (!r) return nothing;
    return html`
      ${
        this.thumbUrl
          ? html`<img class="thumb" src=${this.thumbUrl} alt=${r.name} />`
          : html`<div class="thumb" role="img" aria-label=${r.name}>No preview</div>`
      }
      <div>
        <h3>${r.name}</h3>
        <p class="meta">
          <span
            ><time datetime=${new Date(r.createdAt).toISOString()}
              >${dateFormat.format(r.createdAt)}</time
            ></span
          >
          <span data-field="frames">${r.frames} ${r.frames === 1 ? 'frame' : 'frames'}</span>
          <span data-field="duration"><span class="sr">duration </span>${formatDuration(r.durationMs)}</span>
          <span data-field="size">${formatBytes(r.bytes)}</span>
          <span data-field="formats">${r.formats.join(', ') || 'no frames'}</span>
          ${r.inProgress ? html`<span class="badge live" data-field="state">Recording…</span>` : nothing}
          ${
            r.origin === 'recovered'
              ? html`<span class="badge" data-field="state">Recovered after an interruption</span>`
              : nothing
          }
        </p>
        ${
          r.damage
            ? html`<p class="damage" data-field="damage">
                Damaged: readable up to frame ${r.damage.frameIndex} (byte ${r.damage.offset}):
                ${r.damage.reason}
              </p>`
            : nothing
        }
        <div class="actions">${this.renderActions(r)}</div>
      </div>
    `;
  }

  private renderActions(r: RecordingRecord) {
    // A file being written is locked by the recorder; it becomes playable when it stops.
    if (r.inProgress) return nothing;
    if (this.mode === 'rename') {
      return html`
        <input
          id="name"
          aria-label=${`New name for ${r.name}`}
          maxlength="200"
          .value=${r.name}
          @keydown=${this.onRenameKey}
        />
        <button @click=${this.saveRename} aria-label=${`Save the name of ${r.name}`}>Save</button>
        <button @click=${this.cancelRename} aria-label=${`Cancel renaming ${r.name}`}>Cancel</button>
      `;
    }
    if (this.mode === 'confirm-delete') {
      return html`
        <span id="confirm-text">Delete “${r.name}” for good?</span>
        <button class="danger" @click=${this.confirmDelete} aria-label=${`Yes, delete ${r.name}`}>
          Yes, delete
        </button>
        <button id="keep" @click=${this.keep} @keydown=${this.onConfirmKey} aria-label=${`Keep ${r.name}`}>
          Keep
        </button>
      `;
    }
    return html`
      <button @click=${() => this.emit('library-play')} aria-label=${`Play ${r.name}`}>Play</button>
      <button id="rename" @click=${this.startRename} aria-label=${`Rename ${r.name}`}>Rename</button>
      <button @click=${() => this.emit('library-item-download')} aria-label=${`Download ${r.name}`}>
        Download
      </button>
      <button id="delete" class="danger" @click=${this.askDelete} aria-label=${`Delete ${r.name}`}>
        Delete
      </button>
    `;
  }

  private setMode(mode: ItemMode, focus: string): void {
    this.mode = mode;
    this.focusNext = focus;
  }

  private startRename = () => this.setMode('rename', '#name');
  private cancelRename = () => this.setMode('view', '#rename');
  private askDelete = () => this.setMode('confirm-delete', '#keep');
  private keep = () => this.setMode('view', '#delete');

  private saveRename = () => {
    const input = this.renderRoot.querySelector<HTMLInputElement>('#name');
    const name = input?.value ?? '';
    this.setMode('view', '#rename');
    if (this.record && name.trim() !== this.record.name) this.emit('library-item-rename', { name });
  };

  private onRenameKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      this.saveRename();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      this.cancelRename();
    }
  };

  private onConfirmKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      this.keep();
    }
  };

  private confirmDelete = () => {
    this.mode = 'view';
    this.emit('library-item-delete');
  };

  private emit(type: 'library-play' | 'library-item-download' | 'library-item-delete'): void;
  private emit(type: 'library-item-rename', extra: { name: string }): void;
  private emit(type: string, extra: object = {}): void {
    if (!this.record) return;
    const detail = { id: this.record.id, ...extra };
    // library-play leaves the library (the app listens above it); the item events stay inside it.
    const composed = type === 'library-play';
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed }));
  }

  private setThumbnail(blob: Blob | null, key: string): void {
    if (this.thumbUrl) URL.revokeObjectURL(this.thumbUrl);
    this.thumbUrl = blob ? URL.createObjectURL(blob) : null;
    this.thumbKey = key;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-library-item': OmvLibraryItem;
  }
  interface HTMLElementEventMap {
    'library-play': CustomEvent<LibraryItemDetail>;
    'library-item-rename': CustomEvent<LibraryRenameDetail>;
    'library-item-download': CustomEvent<LibraryItemDetail>;
    'library-item-delete': CustomEvent<LibraryItemDetail>;
  }
}
