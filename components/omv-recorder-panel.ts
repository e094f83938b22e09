import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { controlStyles, figureStyles } from './shared-styles';
import type { RecorderService, RecorderStatus } from '../src/app/recorder-service';
import { LIMITS, inRange, type RecorderSettings } from '../src/app/recorder-settings';
import { formatBytes, formatTime } from '../src/app/format-time';

/**
 * The recorder's controls under the live view: Record / Stop recording, Arm pre-trigger / Trigger (also
 * the T key while armed), what is being written (elapsed, frames, size) and what the ring holds, and the
 * settings (seconds before and after a trigger, ring memory, split size and duration).
 */
@customElement('omv-recorder-panel')
export class OmvRecorderPanel extends LitElement {
  static override styles = [
    controlStyles,
    figureStyles,
    css`
      :host {
        display: grid;
        gap: 0.5rem;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
      }
      .rec {
        color: #ff8389;
        font-weight: 600;
      }
      dl {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem 1.2rem;
        margin: 0;
      }
      .msg {
        margin: 0;
        color: #9fb0c8;
      }
      .msg.bad {
        color: #ff8389;
      }
      fieldset {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem 1rem;
        border: 1px solid #2b3442;
        border-radius: 6px;
        margin: 0;
      }
      label {
        display: grid;
        font-size: 0.85rem;
        color: #9fb0c8;
      }
      input {
        width: 7rem;
      }
    `,
  ];

  @property({ attribute: false }) recorder: RecorderService | null = null;
  /** Frames can be recorded only while a camera is connected. */
  @property({ type: Boolean }) connected = false;

  @state() private status: RecorderStatus | null = null;
  @state() private busy = false;
  private bound: RecorderService | null = null;
  private readonly onStatus = (e: Event) => (this.status = (e as CustomEvent<RecorderStatus>).detail);

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
    this.bound?.removeEventListener('status', this.onStatus);
    this.bound = null;
  }

  override willUpdate(): void {
    if (this.recorder === this.bound) return;
    this.bound?.removeEventListener('status', this.onStatus);
    this.bound = this.recorder;
    this.bound?.addEventListener('status', this.onStatus);
    this.status = this.bound?.status ?? null;
  }

  override render() {
    const rec = this.recorder;
    if (!rec) return nothing;
    const s = this.status ?? rec.status;
    const idle = s.mode === 'idle';
    const can = this.connected && !this.busy;
    return html`
      <section role="region" aria-label="Recorder">
        <div class="row">
          ${
            s.mode === 'recording'
              ? html`<button
                  class="primary"
                  @click=${() => this.act(() => rec.stopRecording())}
                  ?disabled=${this.busy}
                >
                  Stop recording
                </button>`
              : html`<button
                  class="primary"
                  @click=${() => this.act(() => rec.record())}
                  ?disabled=${!can || !idle}
                >
                  Record
                </button>`
          }
          ${
            s.mode === 'armed'
              ? html`<button @click=${() => rec.trigger()} aria-keyshortcuts="T">Trigger</button>
                  <button @click=${() => this.act(() => rec.disarm())} ?disabled=${this.busy}>
                    Disarm pre-trigger
                  </button>`
              : html`<button @click=${() => this.act(() => rec.arm())} ?disabled=${!can || !idle}>
                  Arm pre-trigger
                </button>`
          }
          ${this.renderState(s)}
        </div>
        ${this.renderFigures(s)}
        <p
          class="msg ${s.problem ? 'bad' : ''}"
          role=${s.problem ? 'alert' : nothing}
          aria-live="polite"
          data-field="recorder-message"
        >
          ${s.message ?? ''}
        </p>
        ${
          s.sharedMemory
            ? nothing
            : html`<p class="msg" data-field="no-shared-memory">
                This page is not cross-origin isolated, so frames reach the recorder as copies instead of
                through shared memory: slower, but every frame is still recorded.
              </p>`
        }
        ${this.renderSettings(rec.settings, idle)}
      </section>
    `;
  }

  private renderState(s: RecorderStatus) {
    if (s.mode === 'recording') return html`<span class="rec" data-field="recorder-state">● Recording</span>`;
    if (s.mode === 'armed')
      return html`<span class="rec" data-field="recorder-state"
        >${s.saving ? '● Saving trigger window' : 'Armed: press Trigger or T'}</span
      >`;
    return nothing;
  }

  private renderFigures(s: RecorderStatus) {
    if (s.mode === 'idle' && s.frames === 0) return nothing;
    const item = (field: string, label: string, value: string) =>
      html`<div>
        <dt>${label}</dt>
        <dd data-field=${field}>${value}</dd>
      </div>`;
    return html`<dl aria-label="Recording figures">
      ${item('rec-elapsed', 'Elapsed', formatTime(s.elapsedMs))}
      ${item('rec-frames', 'Frames written', String(s.frames))}
      ${item('rec-size', 'Size', formatBytes(s.bytes))}
      ${item('ring-seconds', 'Ring holds', `${s.ringSeconds.toFixed(1)} s (${s.ringFrames} frames)`)}
      ${s.dropped ? item('rec-dropped', 'Not recorded (fell behind)', String(s.dropped)) : nothing}
    </dl>`;
  }

  private renderSettings(v: RecorderSettings, idle: boolean) {
    const field = (key: keyof RecorderSettings, label: string, step: string, optional = false) =>
      html`<label
        >${label}
        <input
          type="number"
          step=${step}
          min=${LIMITS[key][0]}
          max=${LIMITS[key][1]}
          .value=${v[key] === null ? '' : String(v[key])}
          placeholder=${optional ? 'off' : ''}
          ?disabled=${!idle}
          @change=${(e: Event) => this.onSetting(key, e.target as HTMLInputElement, optional)}
      /></label>`;
    return html`<details>
      <summary>Recorder settings</summary>
      <fieldset>
        <legend>Pre-trigger and files</legend>
        ${field('preSeconds', 'Seconds before a trigger', '1')}
        ${field('postSeconds', 'Seconds after a trigger', '1')}
        ${field('ringMaxMB', 'Ring memory limit (MiB)', '16')}
        ${field('splitMB', 'Split files at (MB)', '1', true)}
        ${field('splitMinutes', 'Split files at (minutes)', '1', true)}
      </fieldset>
    </details>`;
  }

  private onSetting(key: keyof RecorderSettings, input: HTMLInputElement, optional: boolean): void {
    const rec = this.recorder;
    if (!rec) return;
    if (optional && input.value.trim() === '') {
      rec.updateSettings({ [key]: null });
      input.setCustomValidity('');
      return;
    }
    const n = Number(input.value);
    if (!inRange(key, n)) {
      input.setCustomValidity(`Between ${LIMITS[key][0]} and ${LIMITS[key][1]}`);
      input.reportValidity();
      return;
    }
    input.setCustomValidity('');
    rec.updateSettings({ [key]: n });
    this.requestUpdate();
  }

  /** T triggers while armed, unless the user is typing somewhere. */
  private onKey = (e: KeyboardEvent): void => {
    if (e.key !== 't' && e.key !== 'T') return;
    if (e.ctrlKey || e.metaKey || e.altKey || this.recorder?.status.mode !== 'armed') return;
    const target = e.composedPath()[0];
    if (
      target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
    )
      return;
    e.preventDefault();
    this.recorder.trigger('the T key');
  };

  private async act(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await work();
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-recorder-panel': OmvRecorderPanel;
  }
}
