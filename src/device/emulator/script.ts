/**
 * A tiny "MicroPython" for the emulated board: it understands just enough of a script to make the demo camera
 * behave (protocol.md §5.1): `print("...")` / `print(f"...")` / `print(clock.fps())`, `time.sleep[_ms]()`,
 * `snapshot()` and `img.flush()` (push a preview frame), `pixformat(...)` / `framesize(...)`, and one
 * `while True:` loop marker whose indented body repeats until STDIN_STOP. Everything else is ignored.
 */
import { PIXFORMAT } from '../../format/pixformat';

export type ScriptLine =
  | { kind: 'print'; text: (fps: number) => string }
  | { kind: 'sleep'; ms: number }
  | { kind: 'snapshot'; stream: boolean };

export interface Script {
  setup: ScriptLine[];
  /** The body of `while True:`, or null when the script ends by itself. */
  loop: ScriptLine[] | null;
  pixformat?: number;
  size?: { width: number; height: number };
}

/** OpenMV frame sizes a script may name. */
export const FRAMESIZES: Readonly<Record<string, { width: number; height: number }>> = {
  QQVGA: { width: 160, height: 120 },
  HQVGA: { width: 240, height: 160 },
  QVGA: { width: 320, height: 240 },
  VGA: { width: 640, height: 480 },
  SVGA: { width: 800, height: 600 },
  HD: { width: 1280, height: 720 },
};

/** Python's repr of a float, close enough for `clock.fps()`. */
function pyFloat(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(Math.round(v * 1e4) / 1e4);
}

function printLine(arg: string): ScriptLine {
  const a = arg.trim();
  const lit = /^(f?)(["'])(.*)\2$/.exec(a);
  if (lit) {
    const body = lit[3]!;
    if (!lit[1]) return { kind: 'print', text: () => body };
    return {
      kind: 'print',
      text: (fps) =>
        body.replace(/\{([^}]*)\}/g, (_m, expr: string) => (/fps/.test(expr) ? pyFloat(fps) : expr)),
    };
  }
  if (/fps\(\)/.test(a)) return { kind: 'print', text: (fps) => pyFloat(fps) };
  return { kind: 'print', text: () => a };
}

function parseLine(line: string, out: Script): ScriptLine | null {
  const s = line.trim();
  let m: RegExpExecArray | null;
  if ((m = /^print\((.*)\)\s*$/.exec(s))) return printLine(m[1]!);
  if ((m = /time\.sleep_ms\(\s*([\d.]+)\s*\)/.exec(s))) return { kind: 'sleep', ms: Number(m[1]) };
  if ((m = /time\.sleep\(\s*([\d.]+)\s*\)/.exec(s))) return { kind: 'sleep', ms: Number(m[1]) * 1000 };
  if ((m = /snapshot\(\s*time\s*=\s*(\d+)\s*\)/.exec(s))) return { kind: 'sleep', ms: Number(m[1]) };
  if (/snapshot\(|\.flush\(\)/.test(s)) return { kind: 'snapshot', stream: true };
  if ((m = /(?:set_)?pixformat\(\s*\w+\.(\w+)\s*\)/.exec(s))) {
    const pf = (PIXFORMAT as Record<string, number>)[m[1]!];
    if (pf !== undefined) out.pixformat = pf;
    return null;
  }
  if ((m = /(?:set_)?framesize\(\s*\w+\.(\w+)\s*\)/.exec(s))) {
    const fs = FRAMESIZES[m[1]!];
    if (fs) out.size = fs;
  }
  return null;
}

/** Parses a script into setup lines and an optional loop body. */
export function parseScript(text: string): Script {
  const out: Script = { setup: [], loop: null };
  let inLoop = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '');
    if (!line.trim()) continue;
    if (/^while\s+True\s*:/.test(line.trim()) && !/^\s/.test(line)) {
      inLoop = true;
      out.loop = [];
      continue;
    }
    if (inLoop && !/^\s/.test(line)) inLoop = false; // code after the loop never runs; ignore it
    const l = parseLine(line, out);
    if (!l) continue;
    if (inLoop) out.loop!.push(l);
    else if (!out.loop) out.setup.push(l);
  }
  return out;
}

/** The standard streaming script of protocol.md §5.1. */
export const STREAMING_SCRIPT = `import csi, time
cam = csi.CSI()
cam.reset()
cam.pixformat(csi.RGB565)
cam.framesize(csi.QVGA)
clock = time.clock()
while True:
    clock.tick()
    img = cam.snapshot()
    print(clock.fps())
`;
