/**
 * One line a person can act on, for a file the player or the library cannot open. The engine's
 * errors keep the firmware's wording (formats.md B §5.2); this adds what it means for this file.
 */
export function describeOpenError(name: string, e: unknown): string {
  const err = e instanceof Error ? e : new Error(String(e));
  const quoted = `"${name}"`;
  switch (err.message) {
    case 'Unexpected value read!':
      return `${quoted} is not an OpenMV ImageIO stream: it does not start with "OMV IMG STR".`;
    case 'Failed to read requested bytes!':
      return `${quoted} is too short to be an OpenMV ImageIO stream (under 16 bytes).`;
    default:
      if (err.name === 'ValueError' && err.message.startsWith('Expected version'))
        return `${quoted} is an ImageIO stream of a version this app does not read (it reads V1.0, V1.1, V2.0 and V2.1).`;
      return `${quoted} could not be opened: ${err.message}`;
  }
}
