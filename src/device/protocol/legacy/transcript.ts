/**
 * Parser for the legacy byte transcripts in `shared/spec/transcripts/legacy-*.txt` (test support; pure — the caller
 * reads the file). The transcripts print at most 48 bytes of a host write and 64 bytes of a device reply; the
 * remaining bytes are reported as `length` with `truncated` set.
 */

export type TranscriptRecord =
  | { kind: 'phase'; t: number; name: string; title: string }
  | { kind: 'open'; t: number }
  | { kind: 'close'; t: number }
  | { kind: 'baud'; t: number; baud: number }
  | {
      kind: 'write';
      t: number;
      n: number;
      length: number;
      bytes: Uint8Array;
      shown: number;
      truncated: boolean;
    }
  | { kind: 'reply'; t: number; length: number; bytes: Uint8Array; shown: number; truncated: boolean };

function hexPrefix(text: string): number[] {
  const out: number[] = [];
  for (const tok of text.trim().split(/\s+/)) {
    if (!/^[0-9A-F]{2}$/.test(tok)) break;
    out.push(parseInt(tok, 16));
  }
  return out;
}

export function parseLegacyTranscript(text: string): TranscriptRecord[] {
  const out: TranscriptRecord[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+(\d+\.\d+) (\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const t = parseFloat(m[1]!) * 1000;
    const tag = m[2]!;
    const rest = m[3]!;
    if (tag === 'NOTE') {
      const p = /^=== ([^:]+): (.*) ===$/.exec(rest);
      if (p) out.push({ kind: 'phase', t, name: p[1]!, title: p[2]! });
    } else if (tag === 'LINE') {
      if (rest.startsWith('host opened the port')) out.push({ kind: 'open', t });
      else if (rest.startsWith('host closed the port (DTR off)')) out.push({ kind: 'close', t });
      else {
        const b = /^host set baud (\d+)/.exec(rest);
        if (b) out.push({ kind: 'baud', t, baud: Number(b[1]) });
      }
    } else if (tag === 'H>D') {
      const w = /^write#(\d+)\s+(?:ZLP.*|(\d+) B\s+(.*))$/.exec(rest);
      if (!w) continue;
      const length = w[2] ? Number(w[2]) : 0;
      const prefix = w[3] ? hexPrefix(w[3]) : [];
      const bytes = new Uint8Array(length);
      bytes.set(prefix.slice(0, length));
      out.push({
        kind: 'write',
        t,
        n: Number(w[1]),
        length,
        bytes,
        shown: Math.min(prefix.length, length),
        truncated: prefix.length < length,
      });
    } else if (tag === 'D>H') {
      const r = /^(\d+) B(?: in \d+ IN packets \([^)]*\))?\s+(.*)$/.exec(rest);
      if (!r) continue;
      const length = Number(r[1]);
      if (length === 0 || r[2]!.startsWith('REPL output')) continue;
      const prefix = hexPrefix(r[2]!);
      const bytes = new Uint8Array(length);
      bytes.set(prefix.slice(0, length));
      out.push({
        kind: 'reply',
        t,
        length,
        bytes,
        shown: Math.min(prefix.length, length),
        truncated: prefix.length < length,
      });
    }
  }
  return out;
}

/** Records grouped by phase name (records before the first phase go under ''). */
export function phasesOf(records: TranscriptRecord[]): Map<string, TranscriptRecord[]> {
  const map = new Map<string, TranscriptRecord[]>();
  let cur = '';
  map.set(cur, []);
  for (const r of records) {
    if (r.kind === 'phase') {
      cur = r.name;
      map.set(cur, []);
    }
    map.get(cur)!.push(r);
  }
  return map;
}
