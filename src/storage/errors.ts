/** Errors of the library's storage, each with a literal `code` for programs. */

/** No recording has this id (deleted in another tab, or never existed). */
export class RecordingNotFoundError extends Error {
  override readonly name = 'RecordingNotFoundError';
  readonly code = 'RECORDING_NOT_FOUND' as const;
  constructor(readonly id: string) {
    super(`No recording with id ${id} in the library`);
  }
}

/** A name a recording cannot take (empty after trimming, or too long). */
export class InvalidNameError extends Error {
  override readonly name = 'InvalidNameError';
  readonly code = 'INVALID_NAME' as const;
}

/**
 * The browser refused the bytes: a `QuotaExceededError` DOMException (same name, so callers that test
 * `e.name` keep working) whose message says so in words.
 */
export function notEnoughSpace(detail: string): DOMException {
  return new DOMException(`Not enough storage space: ${detail}`, 'QuotaExceededError');
}

/** True for the browser's quota error, whichever way it was raised. */
export const isQuotaError = (e: unknown): boolean =>
  e instanceof Error || e instanceof DOMException ? e.name === 'QuotaExceededError' : false;

/** An AbortError, as `signal.throwIfAborted()` raises when no reason was given. */
export const abortError = (what: string): DOMException =>
  new DOMException(`${what} was cancelled`, 'AbortError');

/** True for a cancellation (AbortError). */
export const isAbortError = (e: unknown): boolean =>
  (e instanceof Error || e instanceof DOMException) && e.name === 'AbortError';
