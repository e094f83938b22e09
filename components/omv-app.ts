import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { SelfCheckResult } from '../src/app/self-check';

/** What the app needs from outside: injected by the composition root (src/main.ts). */
export interface AppServices {
  runSelfCheck(): Promise<SelfCheckResult>;
}

/**
 * The application shell. For now it shows what this browser offers the app (cross-origin isolation,
 * shared memory with workers, Web Serial, OPFS), so a person on an unsuitable browser or host learns
 * it at once instead of meeting a failure later.
 */
@customElement('omv-app')
export class OmvApp extends LitElement {
  static override styles = css`
    :host {
      display: block;
      max-width: 52rem;
      margin: 0 auto;
      padding: 1.5rem;
      line-height: 1.5;
    }
    h1 {
      margin: 0 0 0.25rem;
      font-size: 1.6rem;
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
  `;

  services?: AppServices;

  @state() private check: SelfCheckResult | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.services?.runSelfCheck().then((r) => (this.check = r));
  }

  override render() {
    return html`
      <header>
        <h1>omv-recorder</h1>
        <p>Record, replay and share the image streams of OpenMV cameras, in the browser.</p>
      </header>
      <section aria-labelledby="check-title">
        <h2 id="check-title">This browser</h2>
        ${this.check ? this.renderCheck(this.check) : html`<p role="status">Checking…</p>`}
      </section>
    `;
  }

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
