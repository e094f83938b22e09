import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** What the keys do; the host implements it. */
export interface PlayerKeyActions {
  togglePlay(): void;
  seekBy(ms: number): void;
  stepFrames(delta: number): void;
  seekFraction(f: number): void;
  changeSpeed(direction: 1 | -1): void;
  toggleFullscreen(): void;
  showShortcuts(): void;
  /** Marks the current frame as the selection's in / out point. */
  setInPoint(): void;
  setOutPoint(): void;
  /** Clears the region drawn on the frame (Escape); false when there was none (the key is not taken). */
  clearRegion(): boolean;
  /** False while no recording is open: keys then do nothing (and are not swallowed). */
  active(): boolean;
}

/** The shortcuts, as the help dialog lists them. */
export const PLAYER_SHORTCUTS: readonly (readonly [string, string])[] = [
  ['Space or K', 'Play / pause'],
  ['J / L', 'Back / forward 1 second'],
  ['← / →', 'Back / forward 5 seconds'],
  [', / .', 'Previous / next frame'],
  ['Home / End', 'First / last frame'],
  ['[ / ]', 'Slower / faster'],
  ['0 … 9', 'Jump to 0 % … 90 %'],
  ['I / O', 'Set in point / out point (the selection loops)'],
  ['Escape', 'Clear the region drawn on the frame'],
  ['F', 'Full screen'],
  ['?', 'Show these shortcuts'],
];

/**
 * Video-player keys on the whole window (YouTube conventions), except while the user types in a field
 * or works a control that uses the same keys itself (the position slider's arrows, a select's arrows,
 * a button's Space).
 */
export class PlayerKeysController implements ReactiveController {
  constructor(
    host: ReactiveControllerHost,
    private readonly actions: PlayerKeyActions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('keydown', this.onKey);
  }

  hostDisconnected(): void {
    window.removeEventListener('keydown', this.onKey);
  }

  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || !this.actions.active()) return;
    const target = e.composedPath()[0];
    if (target instanceof HTMLElement && ownsKey(target, e.key)) return;
    const a = this.actions;
    const handled = ((): boolean => {
      switch (e.key) {
        case ' ':
        case 'k':
        case 'K':
          a.togglePlay();
          return true;
        case 'j':
        case 'J':
          a.seekBy(-1000);
          return true;
        case 'l':
        case 'L':
          a.seekBy(1000);
          return true;
        case 'ArrowLeft':
          a.seekBy(-5000);
          return true;
        case 'ArrowRight':
          a.seekBy(5000);
          return true;
        case ',':
          a.stepFrames(-1);
          return true;
        case '.':
          a.stepFrames(1);
          return true;
        case 'Home':
          a.seekFraction(0);
          return true;
        case 'End':
          a.seekFraction(1);
          return true;
        case '[':
          a.changeSpeed(-1);
          return true;
        case ']':
          a.changeSpeed(1);
          return true;
        case 'f':
        case 'F':
          a.toggleFullscreen();
          return true;
        case '?':
          a.showShortcuts();
          return true;
        case 'i':
        case 'I':
          a.setInPoint();
          return true;
        case 'o':
        case 'O':
          a.setOutPoint();
          return true;
        case 'Escape':
          return a.clearRegion();
        default:
          if (/^[0-9]$/.test(e.key)) {
            a.seekFraction(Number(e.key) / 10);
            return true;
          }
          return false;
      }
    })();
    if (handled) e.preventDefault();
  };
}

/** Elements whose own behaviour needs this key. */
function ownsKey(el: HTMLElement, key: string): boolean {
  if (el.isContentEditable || el instanceof HTMLTextAreaElement) return true;
  if (el instanceof HTMLInputElement) {
    if (el.type === 'range')
      return key.startsWith('Arrow') || key === 'Home' || key === 'End' || key.startsWith('Page');
    if (el.type === 'checkbox' || el.type === 'radio') return key === ' ';
    return true;
  }
  if (el instanceof HTMLSelectElement)
    return key.startsWith('Arrow') || key === ' ' || key === 'Home' || key === 'End';
  if (el instanceof HTMLButtonElement || el instanceof HTMLAnchorElement)
    return key === ' ' || key === 'Enter';
  return false;
}
