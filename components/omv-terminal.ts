import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { controlStyles } from './shared-styles';

/** The most text the terminal keeps (the oldest lines go first). */
const MAX_CHARS = 64 * 1024;

/** The camera's stdout: a scrolling log that sticks to the bottom unless the user scrolled up. */
@customElement('omv-terminal')
export class OmvTerminal extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host {
        display: grid;
        gap: 0.3rem;
      }
      .bar {
        display: flex;
        justify-content: space-between;
        align-items: center;
      }
      h3 {
        margin: 0;
        font-size: 1rem;
      }
      pre {
        margin: 0;
        height: 10rem;
        overflow: auto;
        background: #0b0e13;
        border: 1px solid #3a4a63;
        border-radius: 6px;
        padding: 0.4rem 0.6rem;
        font:
          0.85rem/1.35 ui-monospace,
          monospace;
        white-space: pre-wrap;
        word-break: break-all;
        color: #d5dde8;
      }
    `,
  ];

  @property() label = 'Camera output';
  @state() private text = '';
  @query('pre') private pre!: HTMLPreElement;

  /** Appends camera output (ANSI escapes such as the firmware's `ESC[40O` are dropped). */
  write(chunk: string): void {
    // eslint-disable-next-line no-control-regex
    const clean = chunk.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    const next = this.text + clean;
    this.text = next.length > MAX_CHARS ? next.slice(next.length - MAX_CHARS) : next;
  }

  clear(): void {
    this.text = '';
  }

  protected override willUpdate(): void {
    const pre = this.pre;
    this.stick = !pre || pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  }

  protected override updated(): void {
    if (this.stick && this.pre) this.pre.scrollTop = this.pre.scrollHeight;
  }

  private stick = true;

  override render() {
    return html`
      <div class="bar">
        <h3 id="label">${this.label}</h3>
        <button @click=${() => this.clear()}>Clear output</button>
      </div>
      <pre role="log" aria-labelledby="label" aria-live="polite" tabindex="0">${this.text}</pre>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-terminal': OmvTerminal;
  }
}
