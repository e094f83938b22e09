/// <reference types="vite-plugin-pwa/vanillajs" />
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { registerSW } from 'virtual:pwa-register';
import { captureLaunchedFiles, listenForLaunchedFiles } from './launch';

/** Outcome of {@link PwaController.applyUpdate}. */
export type UpdateResult = { applied: true } | { applied: false; reason: string };
/** Outcome of {@link PwaController.promptInstall}. */
export type InstallOutcome = 'accepted' | 'dismissed' | 'unavailable';

/** Events of {@link PwaController}; read the matching getter for the current state. */
export interface PwaEventMap {
  /** Everything is precached: the app now starts without a network. */
  'offline-ready': Event;
  /** A new version is ready; it takes over only through {@link PwaController.applyUpdate}. */
  'update-available': Event;
  /** The browser offers installation: {@link PwaController.promptInstall} will show its dialog. */
  'install-available': Event;
  /** The install offer was used or withdrawn. */
  'install-unavailable': Event;
  /** The app was installed. */
  installed: Event;
}
export type PwaEventName = keyof PwaEventMap;

// Not in TypeScript's DOM lib (Chromium only).
interface BeforeInstallPromptEvent extends Event {
  readonly platforms: readonly string[];
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed'; platform: string }>;
  prompt(): Promise<void>;
}

/** sessionStorage key: the isolation reload has happened in this tab. */
const ISOLATION_RELOAD_KEY = 'omv-coi-reload';

/**
 * Install, offline and update state of the app. Updates never reload the page by themselves: a waiting
 * version takes over only when the user calls {@link applyUpdate}, and only if the reload guard agrees.
 */
export class PwaController extends EventTarget {
  private _offlineReady = false;
  private _updateAvailable = false;
  private _installed = false;
  private installPrompt: BeforeInstallPromptEvent | null = null;
  private reloadGuard: (() => string | null) | null = null;
  private activateUpdate: (() => Promise<void>) | null = null;
  /** The new version already controls this page (another tab let it in): a reload is all it takes. */
  private updateActive = false;
  private reloadRequested = false;

  get offlineReady(): boolean {
    return this._offlineReady;
  }
  get updateAvailable(): boolean {
    return this._updateAvailable;
  }
  get canInstall(): boolean {
    return this.installPrompt !== null;
  }
  get installed(): boolean {
    return this._installed;
  }

  override addEventListener<K extends PwaEventName>(
    type: K,
    listener: (this: PwaController, ev: PwaEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
  }

  override removeEventListener<K extends PwaEventName>(
    type: K,
    listener: (this: PwaController, ev: PwaEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener, options);
  }

  /**
   * Lets the app veto reloads: `fn` returns why not (e.g. "a recording is running") or null to allow.
   * Consulted by {@link applyUpdate} and by the one-time isolation reload.
   */
  setReloadGuard(fn: (() => string | null) | null): void {
    this.reloadGuard = fn;
  }

  /** Why a reload is refused right now, or null. */
  reloadBlockedBy(): string | null {
    return this.reloadGuard?.() ?? null;
  }

  /** User-initiated only: activates the waiting version, which then reloads the page once. */
  async applyUpdate(): Promise<UpdateResult> {
    if (!this._updateAvailable) return { applied: false, reason: 'no update is waiting' };
    const reason = this.reloadBlockedBy();
    if (reason) return { applied: false, reason };
    this.reloadRequested = true;
    if (this.updateActive || !this.activateUpdate) {
      location.reload();
      return { applied: true };
    }
    // workbox-window reports the switch (onNeedReload) only to pages that were controlled when they
    // registered; a first-visit tab learns of it from controllerchange alone.
    navigator.serviceWorker?.addEventListener('controllerchange', () => this.reloadIfAllowed(), {
      once: true,
    });
    await this.activateUpdate();
    return { applied: true };
  }

  /** Shows the browser's install dialog; only while {@link canInstall}. */
  async promptInstall(): Promise<InstallOutcome> {
    const prompt = this.installPrompt;
    if (!prompt) return 'unavailable';
    // A deferred prompt can be used once.
    this.installPrompt = null;
    this.emit('install-unavailable');
    await prompt.prompt();
    const { outcome } = await prompt.userChoice;
    return outcome;
  }

  /** @internal Called by the registration: the precache is complete. */
  notifyOfflineReady(): void {
    this._offlineReady = true;
    this.emit('offline-ready');
  }

  /** @internal Called by the registration: a new version waits; `activate` lets it take over. */
  notifyUpdateAvailable(activate: () => Promise<void>): void {
    this.activateUpdate = activate;
    this._updateAvailable = true;
    this.emit('update-available');
  }

  /** @internal The new version took control of this page. Reload only if this user asked and may. */
  notifyUpdateActivated(): void {
    this.updateActive = true;
    this._updateAvailable = true;
    if (this.reloadRequested) this.reloadIfAllowed();
    else this.emit('update-available');
  }

  /** Finishes a user-requested update, unless the app started something since that a reload would lose. */
  private reloadIfAllowed(): void {
    if (!this.reloadRequested) return;
    this.reloadRequested = false;
    // Called after the switch: from now on a plain reload is the whole update.
    this.updateActive = true;
    if (this.reloadBlockedBy()) this.emit('update-available');
    else location.reload();
  }

  /** @internal Wires `beforeinstallprompt` and `appinstalled` of `win`. */
  watchInstall(win: Window): void {
    win.addEventListener('beforeinstallprompt', (e) => {
      // Keep the event for our own button instead of the browser's mini-infobar.
      e.preventDefault();
      this.installPrompt = e as BeforeInstallPromptEvent;
      this.emit('install-available');
    });
    win.addEventListener('appinstalled', () => {
      this._installed = true;
      if (this.installPrompt) {
        this.installPrompt = null;
        this.emit('install-unavailable');
      }
      this.emit('installed');
    });
  }

  private emit(type: PwaEventName): void {
    this.dispatchEvent(new Event(type));
  }
}

declare global {
  interface WindowEventMap {
    beforeinstallprompt: Event;
  }
}

/** Options of {@link startPwa} (read on the first call only). */
export interface StartPwaOptions {
  /**
   * Files the app was opened with or shared to it. Or leave it out and call `listenForLaunchedFiles`
   * later: files arriving before that are kept for it.
   */
  onLaunchedFiles?: (files: File[]) => void;
}

let controller: PwaController | null = null;

/**
 * Starts the PWA side once per page and returns its controller (later calls return the same one):
 * install prompt, launched and shared files, and in production the service worker.
 */
export function startPwa(options: StartPwaOptions = {}): PwaController {
  if (controller) return controller;
  const pwa = new PwaController();
  controller = pwa;
  pwa.watchInstall(window);
  if (options.onLaunchedFiles) listenForLaunchedFiles(options.onLaunchedFiles);
  else captureLaunchedFiles();
  if (import.meta.env.PROD && 'serviceWorker' in navigator) {
    reloadOnceForIsolation(pwa);
    const update = registerSW({
      onOfflineReady: () => pwa.notifyOfflineReady(),
      onNeedRefresh: () =>
        pwa.notifyUpdateAvailable(async () => {
          // Already let in by another tab: this page is controlled by it, a reload is all that is left.
          if (!(await navigator.serviceWorker.getRegistration())?.waiting) location.reload();
          else await update(true);
        }),
      onNeedReload: () => pwa.notifyUpdateActivated(),
      onRegisterError: (e: unknown) => console.warn('Service worker registration failed', e),
    });
  }
  return pwa;
}

/**
 * On a host that sends no COOP/COEP, the first load is not isolated; the service worker adds the
 * headers, but only to responses it serves. So when it first takes control, reload once. This is the
 * only automatic reload: it happens on the first visit, seconds after load, before any user work (and the
 * reload guard can still veto it). The sessionStorage flag prevents a loop if isolation still fails.
 */
function reloadOnceForIsolation(pwa: PwaController): void {
  if (globalThis.crossOriginIsolated) {
    sessionStorage.removeItem(ISOLATION_RELOAD_KEY);
    return;
  }
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (globalThis.crossOriginIsolated || sessionStorage.getItem(ISOLATION_RELOAD_KEY)) return;
    if (pwa.reloadBlockedBy()) return;
    sessionStorage.setItem(ISOLATION_RELOAD_KEY, '1');
    location.reload();
  });
}

/**
 * Re-renders a Lit host whenever the controller emits one of `events`, and unsubscribes when the host
 * disconnects. `getPwa` is read at connect time and on every {@link sync}.
 */
export class PwaEventsController implements ReactiveController {
  private subscribed: PwaController | null = null;
  private readonly onEvent = (e: Event) => {
    this.onChange?.(e.type as PwaEventName);
    this.host.requestUpdate();
  };

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly getPwa: () => PwaController | undefined,
    private readonly events: readonly PwaEventName[],
    private readonly onChange?: (type: PwaEventName) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.sync();
  }

  hostDisconnected(): void {
    this.unsubscribe();
  }

  /** Follows a changed `pwa` property. */
  sync(): void {
    const pwa = this.getPwa() ?? null;
    if (pwa === this.subscribed) return;
    this.unsubscribe();
    this.subscribed = pwa;
    for (const type of this.events) pwa?.addEventListener(type, this.onEvent);
  }

  private unsubscribe(): void {
    for (const type of this.events) this.subscribed?.removeEventListener(type, this.onEvent);
    this.subscribed = null;
  }
}
