/**
 * The engine's error classes. The three firmware classes keep the names and messages of formats.md
 * B §5.2 so the OpenMV documentation's wording holds; each has a literal `code` for programs.
 */
export class OSError extends Error {
  override readonly name = 'OSError';
  readonly code = 'OS_ERROR' as const;
}

export class EOFError extends Error {
  override readonly name = 'EOFError';
  readonly code = 'EOF' as const;
}

export class ValueError extends Error {
  override readonly name = 'ValueError';
  readonly code = 'VALUE_ERROR' as const;
}

/** The firmware's messages (B §5.2), in one place so tests and callers compare against the same text. */
export const MESSAGES = {
  unexpectedValue: 'Unexpected value read!',
  badVersion: 'Expected version V1.0, V1.1, V2.0, or V2.1',
  badMode: "Invalid stream mode, expected 'r' or 'w'",
  invalidPixformat: 'Invalid image stream pixformat',
  shortRead: 'Failed to read requested bytes!',
  closed: 'Stream closed',
  endOfStream: 'End of stream',
  invalidOffset: 'Invalid stream offset',
  invalidFrameSize: 'Invalid frame size',
  bufferTooSmall: 'Buffer is too small',
  expectedBuffer: 'Expected an image buffer',
  widthPositive: 'Image width must be > 0',
  heightPositive: 'Image height must be > 0',
  pixformatUnsupported: 'Pixel format is not set or unsupported',
  notWritable: 'Write failed',
} as const;
