import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { PwaEventsController, type PwaController, type PwaEventName } from '../src/app/pwa';

/** Options of {@link OmvToasts.show}. */
export interface ToastOptions {
  /** 'error' toasts are announced assertively (role=alert) and stay until dismissed. */
  kind?: 'info' | 'error';
  actionLabel?: string;
  action?: () => void;
  /** Auto-dismiss delay; 0 keeps the toast until dismissed. Default: 8 s for info, 0 for errors. */
  timeoutMs?: number;
}

interface Toast {
  id: number;
  message: string;
  kind: 'info' | 'error';
  actionLabel?: string;
  action?: () => void;
}

const DEFAULT_INFO_TIMEOUT_MS = 8000;

/**
 * Notices at the bottom of the window: "Ready to work offline", "Update available" (with "Reload", which
 * asks the app's reload guard first), and anything the app passes to {@link show}. Info toasts sit in a
 * polite live region (role=status), errors in an assertive one (role=alert); both regions always exist so
 * screen readers announce what is added to them.
 */
@customElement('omv-toasts')
export class OmvToasts extends LitElement {
  static override styles = css`
    :host {
      position: fixed;
      inset: auto 0 1rem 0;
      display: flex;
      flex-direction: column;
      align-items: center;
      gap: 0.5rem;
      pointer-events: none;
      z-index: 10;
    }
    .region {
      display: flex;
      flex-direction: column;
      align-items: center;
      gap: 0.5rem;
    }
    .toast {
      pointer-events: auto;
      display: flex;
      align-items: center;
      gap: 0.75rem;
      max-width: min(36rem, calc(100vw - 2rem));
      padding: 0.6rem 0.8rem;
      border-radius: 0.5rem;
      border: 1px solid #3a4a61;
      background: #1d2430;
      color: #e8ecf2;
      box-shadow: 0 0.3rem 1rem #0008;
    }
    .toast.error {
      border-color: #ff8389;
    }
    .message {
      flex: 1;
    }
    button {
      font: inherit;
      color: #e8ecf2;
      background: transparent;
      border: 1px solid #3a4a61;
      border-radius: 0.35rem;
      padding: 0.2rem 0.7rem;
      cursor: pointer;
    }
    button.primary {
      border-color: #4fb3ff;
      color: #4fb3ff;
    }
    button:focus-visible {
      outline: 2px solid #4fb3ff;
      outline-offset: 2px;
    }
  `;

  /** The app's PWA controller (from `startPwa()`); without it only {@link show} notices appear. */
  @property({ attribute: false }) pwa?: PwaController;

  @state() private toasts: Toast[] = [];
  private nextId = 1;
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();
  private updateToast: number | null = null;
  private offlineShown = false;

  private readonly events = new PwaEventsController(
    this,
    () => this.pwa,
    ['offline-ready', 'update-available'],
    (type) => this.onPwaEvent(type),
  );

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('pwa')) return;
    this.events.sync();
    // Events may have fired before this element got the controller.
    if (this.pwa?.offlineReady) this.onPwaEvent('offline-ready');
    if (this.pwa?.updateAvailable) this.onPwaEvent('update-available');
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Shows a notice and returns its id (for {@link dismiss}). */
  show(message: string, opts: ToastOptions = {}): number {
    const kind = opts.kind ?? 'info';
    const id = this.nextId++;
    this.toasts = [...this.toasts, { id, message, kind, actionLabel: opts.actionLabel, action: opts.action }];
    const timeoutMs = opts.timeoutMs ?? (kind === 'error' ? 0 : DEFAULT_INFO_TIMEOUT_MS);
    if (timeoutMs > 0) this.schedule(id, timeoutMs);
    return id;
  }

  /** Removes a notice (no-op if it is gone already). */
  dismiss(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    if (id === this.updateToast) this.updateToast = null;
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  override render() {
    const info = this.toasts.filter((t) => t.kind === 'info');
    const errors = this.toasts.filter((t) => t.kind === 'error');
    return html`
      <div class="region" role="status" aria-live="polite">${info.map((t) => this.renderToast(t))}</div>
      <div class="region" role="alert" aria-live="assertive">${errors.map((t) => this.renderToast(t))}</div>
    `;
  }

  private renderToast(t: Toast) {
    return html`
      <div class="toast ${t.kind}" data-toast-id=${t.id}>
        <span class="message">${t.message}</span>
        ${
          t.action && t.actionLabel
            ? html`<button type="button" class="primary" @click=${t.action}>${t.actionLabel}</button>`
            : nothing
        }
        <button type="button" @click=${() => this.dismiss(t.id)}>Dismiss</button>
      </div>
    `;
  }

  /** Auto-dismiss, but never while the pointer or keyboard focus is on the toast. */
  private schedule(id: number, ms: number): void {
    this.timers.set(
      id,
      setTimeout(() => {
        const el = this.renderRoot.querySelector(`[data-toast-id="${id}"]`);
        if (el && (el.matches(':hover') || el.matches(':focus-within'))) this.schedule(id, ms);
        else this.dismiss(id);
      }, ms),
    );
  }

  private onPwaEvent(type: PwaEventName): void {
    if (type === 'offline-ready' && !this.offlineShown) {
      this.offlineShown = true;
      this.show('Ready to work offline');
    } else if (type === 'update-available' && this.updateToast === null) {
      this.updateToast = this.show('Update available', {
        actionLabel: 'Reload',
        action: () => void this.reload(),
        timeoutMs: 0,
      });
    }
  }

  private async reload(): Promise<void> {
    const result = await this.pwa?.applyUpdate();
    if (result && !result.applied) this.show(`Can't reload now: ${result.reason}.`);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'omv-toasts': OmvToasts;
  }
}
