/** What the user sets for the recorder; kept in localStorage between visits. */
export interface RecorderSettings {
  /** Pre-trigger: seconds kept before a trigger. */
  preSeconds: number;
  /** Seconds saved after a trigger (a trigger inside the window extends it). */
  postSeconds: number;
  /** Upper bound of the ring's memory, in MiB (the seconds it holds follow from the frame size). */
  ringMaxMB: number;
  /** Start a new file past this many MB (null: never). */
  splitMB: number | null;
  /** Start a new file past this many minutes (null: never). */
  splitMinutes: number | null;
}

export const DEFAULT_SETTINGS: RecorderSettings = {
  preSeconds: 5,
  postSeconds: 5,
  ringMaxMB: 256,
  splitMB: null,
  splitMinutes: null,
};

/** Accepted ranges; a stored value outside them falls back to the default. */
export const LIMITS = {
  preSeconds: [1, 600],
  postSeconds: [0, 3600],
  ringMaxMB: [16, 2048],
  splitMB: [1, 1_000_000],
  splitMinutes: [0.1, 24 * 60],
} as const satisfies Record<keyof RecorderSettings, readonly [number, number]>;

const KEY = 'omv-recorder:recorder-settings';

/** The stored settings, each checked against {@link LIMITS}. */
export function loadSettings(): RecorderSettings {
  let stored: Partial<Record<keyof RecorderSettings, unknown>> = {};
  try {
    stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as typeof stored;
  } catch {
    // Unreadable or blocked storage: defaults.
  }
  const out = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(LIMITS) as (keyof RecorderSettings)[]) {
    const v = stored[key];
    if (v === null && (key === 'splitMB' || key === 'splitMinutes')) out[key] = null;
    else if (typeof v === 'number' && inRange(key, v)) out[key] = v;
  }
  return out;
}

export function saveSettings(s: RecorderSettings): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // Private mode or full storage: the settings last for this visit.
  }
}

/** True when `v` is a finite number in the setting's range. */
export function inRange(key: keyof RecorderSettings, v: number): boolean {
  const [lo, hi] = LIMITS[key];
  return Number.isFinite(v) && v >= lo && v <= hi;
}
