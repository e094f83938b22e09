/** "1:02.345" (minutes, seconds, milliseconds), or "1:02:03.456" past an hour. */
export function formatTime(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor(total / 60_000) % 60;
  const s = Math.floor(total / 1000) % 60;
  const frac = String(total % 1000).padStart(3, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}.${frac}` : `${m}:${ss}.${frac}`;
}

/** "153,600 bytes", "1.5 MB", "2.31 GB". */
export function formatBytes(n: number): string {
  if (n < 10_000) return `${n.toLocaleString('en-US')} bytes`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/** "2026-11-22 14.03.05", or with `ms` "2026-11-22 14.03.05.123": a local time that is safe in a file name. */
export function fileStamp(d: Date, ms = false): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}.${p(d.getMinutes())}.${p(d.getSeconds())}`;
  return ms ? `${base}.${p(d.getMilliseconds(), 3)}` : base;
}
