import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { PwaEventsController, type InstallOutcome, type PwaController } from '../src/app/pwa';

/** Detail of `omv-install`, fired after the browser's install dialog closes. */
export interface InstallEventDetail {
  outcome: InstallOutcome;
}

/**
 * An "Install" button, present only while the browser offers installation (after
 * `beforeinstallprompt`); otherwise the element renders nothing, so there is never a dead button.
 *
 * @fires omv-install - CustomEvent<InstallEventDetail> with the user's choice.
 */
@customElement('omv-install-button')
export class OmvInstallButton extends LitElement {
  static override styles = css`
    :host {
      display: inline-block;
    }
    button {
      font: inherit;
      color: #e8ecf2;
      background: #1d2430;
      border: 1px solid #3a4a61;
      border-radius: 0.4rem;
      padding: 0.35rem 0.9rem;
      cursor: pointer;
    }
    button:hover {
      background: #26303f;
    }
    button:focus-visible {
      outline: 2px solid #4fb3ff;
      outline-offset: 2px;
    }
  `;

  /** The app's PWA controller (from `startPwa()`). */
  @property({ attribute: false }) pwa?: PwaController;

  private readonly events = new PwaEventsController(this, () => this.pwa, [
    'install-available',
    'install-unavailable',
    'installed',
  ]);

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('pwa')) this.events.sync();
  }

  override render() {
    if (!this.pwa?.canInstall) return nothing;
    return html`<button type="button" @click=${this.install}>Install</button>`;
  }

  private async install(): Promise<void> {
    if (!this.pwa) return;
    const outcome = await this.pwa.promptInstall();
    this.dispatchEvent(
      new CustomEvent<InstallEventDetail>('omv-install', {
        detail: { outcome },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-install-button': OmvInstallButton;
  }
  interface HTMLElementEventMap {
    'omv-install': CustomEvent<InstallEventDetail>;
  }
}
