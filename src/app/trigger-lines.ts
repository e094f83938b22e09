/**
 * Finds trigger lines in the camera's output: a line that starts with `omv:trigger` (anything may follow,
 * e.g. `print("omv:trigger part rejected")`). The output arrives in arbitrary chunks, so lines are
 * assembled first; a partial line waits for its end. Documented in the README ("Pre-trigger").
 */
export const TRIGGER_PREFIX = 'omv:trigger';
/** A line longer than this is not a trigger line; its bytes are not kept. */
const MAX_LINE = 4096;

export class TriggerLines {
  private partial = '';
  private skipping = false;

  constructor(private readonly onTrigger: (line: string) => void) {}

  /** Feeds a chunk of the camera's stdout. */
  write(text: string): void {
    const parts = text.split(/\r?\n|\r/);
    const last = parts.pop() ?? '';
    for (const part of parts) {
      const line = this.skipping ? '' : this.partial + part;
      this.partial = '';
      this.skipping = false;
      if (line.trimStart().startsWith(TRIGGER_PREFIX)) this.onTrigger(line.trim());
    }
    if (this.skipping) return;
    this.partial += last;
    if (this.partial.length > MAX_LINE) {
      this.partial = '';
      this.skipping = true;
    }
  }

  /** Forgets a partial line (a new connection). */
  reset(): void {
    this.partial = '';
    this.skipping = false;
  }
}
