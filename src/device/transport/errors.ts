/** Why a camera link failed, as a literal code the UI can branch on (architecture.md §4: named errors). */
export const LINK_ERROR = {
  unsupported: 'unsupported',
  cancelled: 'cancelled',
  busy: 'busy',
  permission: 'permission',
  notOpenmv: 'not-openmv',
  timeout: 'timeout',
  lost: 'lost',
  failed: 'failed',
} as const;
export type LinkErrorCode = (typeof LINK_ERROR)[keyof typeof LINK_ERROR];

/** A camera link failure with a one-line message fit for the page, and the original error as `cause`. */
export class CameraLinkError extends Error {
  override readonly name = 'CameraLinkError';
  constructor(
    readonly code: LinkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MESSAGES: Record<LinkErrorCode, string> = {
  unsupported: 'This browser has no Web Serial (use Chrome or Edge on a desktop), or try the demo camera.',
  cancelled: 'No serial port was chosen.',
  // Chromium reports EBUSY and EACCES alike ("Failed to open serial port."), hence the second hint.
  busy: 'The serial port is busy: another program (OpenMV IDE, a terminal, another tab) has it open. Close it and try again (on Linux, also check that you are in the dialout group).',
  permission:
    'Permission to open the serial port was denied. On Linux, add yourself to the dialout group (sudo usermod -aG dialout $USER) and log in again.',
  'not-openmv':
    'This does not look like an OpenMV camera: it did not answer the protocol probe. Pick the camera’s port.',
  timeout: 'The camera is not answering. Unplug it, plug it back in and connect again.',
  lost: 'The camera was disconnected (unplugged or reset).',
  failed: 'The camera link failed.',
};

/** The one-line message for a code (the UI's default wording). */
export function linkMessage(code: LinkErrorCode): string {
  return MESSAGES[code];
}

/**
 * Maps whatever Web Serial or the protocol layer threw to a CameraLinkError. Chromium reports a port
 * that another process holds as `NetworkError: Failed to open serial port.` (and `InvalidStateError`
 * when this page already has it open); a permission problem carries "permission"/"access" or is a
 * NotAllowedError/SecurityError.
 */
export function classifyLinkError(e: unknown, stage: 'request' | 'open' | 'detect' | 'run'): CameraLinkError {
  if (e instanceof CameraLinkError) return e;
  const name = e instanceof Error || e instanceof DOMException ? e.name : '';
  const text = e instanceof Error || e instanceof DOMException ? e.message : String(e);
  const make = (code: LinkErrorCode) =>
    new CameraLinkError(code, text && code === 'failed' ? `${MESSAGES.failed} (${text})` : MESSAGES[code], {
      cause: e,
    });
  if (stage === 'request' && name === 'NotFoundError') return make('cancelled');
  if (/permission|access denied|EACCES/i.test(text) || (stage === 'open' && name === 'SecurityError'))
    return make('permission');
  if (stage === 'open' && (name === 'InvalidStateError' || /failed to open/i.test(text))) return make('busy');
  if (name === 'NetworkError' || /device has been lost|disconnected/i.test(text)) return make('lost');
  // "no answer to the protocol probe" (silent port) and "not an OpenMV camera: probe answered …" (camera.ts).
  if (stage === 'detect' && /detect|not an openmv|unsupported protocol|probe/i.test(text))
    return make('not-openmv');
  if (name === 'TimeoutError' || /time(d)? ?out|no (answer|reply)/i.test(text)) return make('timeout');
  return make('failed');
}
