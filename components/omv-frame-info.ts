import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatBytes, formatTime } from '../src/app/format-time';
import type { PlayerState, StreamSummary } from '../src/workers/player.protocol';

/** What the frame on screen is: position, time, geometry, format, payload, its elapsed field. */
@customElement('omv-frame-info')
export class OmvFrameInfo extends LitElement {
  static override styles = css`
    dl {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
      gap: 0.2rem 1rem;
      margin: 0;
      font-variant-numeric: tabular-nums;
    }
    div {
      display: flex;
      gap: 0.4rem;
    }
    dt {
      color: #9fb0c8;
    }
    dd {
      margin: 0;
    }
    .warn {
      color: #ffb86b;
    }
  `;

  @property({ attribute: false }) state: PlayerState | null = null;
  @property({ attribute: false }) summary: StreamSummary | null = null;

  override render() {
    const f = this.state?.frame;
    const sum = this.summary;
    if (!f || !sum) return nothing;
    const elapsed = sum.version === 'V2.1' ? `${f.elapsed} µs` : `${f.elapsed} ms`;
    const row = (label: string, value: unknown, id: string) =>
      html`<div>
        <dt>${label}</dt>
        <dd data-field=${id}>${value}</dd>
      </div>`;
    return html`
      <dl aria-label="Frame information">
        ${row('Frame', `${f.index + 1} / ${sum.count}`, 'frame')} ${row('Time', formatTime(f.timeMs), 'time')}
        ${row('Size', `${f.width} × ${f.height}`, 'size')}
        ${row('Format', `${f.pixformat} (0x${f.pixformatCode.toString(16).padStart(8, '0').toUpperCase()})`, 'format')}
        ${row('Payload', formatBytes(f.size), 'payload')} ${row('Elapsed', elapsed, 'elapsed')}
        ${row('Skipped', String(this.state?.skipped ?? 0), 'skipped')}
        ${row('Stream', `${sum.version}, ${formatBytes(sum.bytes)}`, 'stream')}
      </dl>
      ${this.state?.frameError ? html`<p class="warn" role="status">${this.state.frameError}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-frame-info': OmvFrameInfo;
  }
}
