/**
 * The few host globals that pure modules (src/format, src/device/protocol, src/ring) may use.
 * Only tsconfig.pure.json sees this file: pages, workers and Node get the real declarations from
 * their own libs, so a pure module that reaches for anything else (document, navigator, fs) fails
 * to type-check here.
 */
declare const performance: { now(): number };
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
