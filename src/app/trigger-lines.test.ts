import { describe, expect, it } from 'vitest';
import { TriggerLines } from './trigger-lines';

function feed(chunks: string[]): string[] {
  const seen: string[] = [];
  const t = new TriggerLines((line) => seen.push(line));
  for (const c of chunks) t.write(c);
  return seen;
}

describe('trigger lines in the camera output', () => {
  it('fires once per line that starts with omv:trigger, whatever the chunking', () => {
    const text = '12.5 FPS\nomv:trigger part rejected\r\n30 FPS\n  omv:trigger\nnot omv:trigger\n';
    const expected = ['omv:trigger part rejected', 'omv:trigger'];
    expect(feed([text])).toEqual(expected);
    for (let size = 1; size <= 7; size++) {
      const chunks = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      expect(feed(chunks), `chunks of ${size}`).toEqual(expected);
    }
  });

  it('waits for the end of a line before deciding', () => {
    expect(feed(['omv:trig'])).toEqual([]);
    expect(feed(['omv:trig', 'ger', '\n'])).toEqual(['omv:trigger']);
  });

  it('ignores an endless line without keeping it, then works again', () => {
    const long = 'x'.repeat(10_000);
    expect(feed([long, long, '\nomv:trigger\n'])).toEqual(['omv:trigger']);
    expect(feed(['omv:trigger', long, '\n'])).toEqual([]);
  });
});
