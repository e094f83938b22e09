import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { controlStyles } from './shared-styles';

/** The script editor: a plain textarea and Run/Stop. Events: 'script-run' (detail: source), 'script-stop'. */
@customElement('omv-script-panel')
export class OmvScriptPanel extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host {
        display: grid;
        gap: 0.3rem;
      }
      label {
        font-weight: 600;
      }
      textarea {
        font:
          0.85rem/1.35 ui-monospace,
          monospace;
        color: #e8ecf2;
        background: #0b0e13;
        border: 1px solid #3a4a63;
        border-radius: 6px;
        padding: 0.4rem 0.6rem;
        min-height: 10rem;
        resize: vertical;
        tab-size: 4;
      }
      textarea:focus-visible {
        outline: 2px solid #4fb3ff;
        outline-offset: 2px;
      }
      .buttons {
        display: flex;
        gap: 0.5rem;
      }
    `,
  ];

  @property() source = '';
  @property({ type: Boolean }) connected = false;
  /** Whether a script is known to run (the camera may run its main.py unseen, so Stop stays available). */
  @property({ type: Boolean }) running = false;
  @property({ type: Boolean }) busy = false;
  @query('textarea') private textarea!: HTMLTextAreaElement;

  override render() {
    return html`
      <label for="script">Script</label>
      <textarea
        id="script"
        spellcheck="false"
        .value=${this.source}
        @input=${(e: Event) => (this.source = (e.target as HTMLTextAreaElement).value)}
        @keydown=${this.onKey}
        aria-describedby="hint"
      ></textarea>
      <small id="hint">Ctrl+Enter runs the script; Escape then Tab leaves the editor.</small>
      <div class="buttons">
        <button class="primary" ?disabled=${!this.connected || this.busy} @click=${this.run}>
          Run script
        </button>
        <button ?disabled=${!this.connected || this.busy} @click=${this.stop}>Stop script</button>
      </div>
    `;
  }

  private run = (): void => {
    this.dispatchEvent(
      new CustomEvent('script-run', { detail: this.textarea.value, bubbles: true, composed: true }),
    );
  };

  private stop = (): void => {
    this.dispatchEvent(new CustomEvent('script-stop', { bubbles: true, composed: true }));
  };

  private escaped = false;

  /** Tab indents (Python needs it); after Escape, Tab moves focus as usual so the editor is no keyboard trap. */
  private onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      this.escaped = true;
      return;
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (this.connected && !this.busy) this.run();
      return;
    }
    if (e.key === 'Tab' && !this.escaped && !e.shiftKey) {
      e.preventDefault();
      const t = this.textarea;
      t.setRangeText('    ', t.selectionStart, t.selectionEnd, 'end');
      this.source = t.value;
      return;
    }
    this.escaped = false;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-script-panel': OmvScriptPanel;
  }
  interface HTMLElementEventMap {
    'script-run': CustomEvent<string>;
    'script-stop': CustomEvent<void>;
  }
}
