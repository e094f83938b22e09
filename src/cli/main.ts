import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decode, extract, info, repairFile, type Output } from './commands';
import { exportFile, type Progress } from './export';
import { importFiles } from './import';
import { CliError, OutputClosed, UsageError, errorLine, isSystemError } from './errors';

/**
 * The command line's entry point (`npm run --silent cli -- <command>`): parses argv, runs one command
 * from commands.ts and turns whatever it throws into one line on stderr and an exit code: 0 done, 1 an
 * error, 2 bad usage. Importing this module runs nothing; only executing it does.
 */

const PROGRAM = 'omv-recorder';

/** The help text, printed by `--help` (stdout, exit 0) and by a bare invocation (stdout, exit 2). */
export const USAGE = `Usage: ${PROGRAM} <command> [options]    (from the project: npm run --silent cli -- <command> ...)

Inspect, extract, decode and repair OpenMV ImageIO streams (.bin files: V1.0, V1.1, V2.0, V2.1).

Commands:
  info <file.bin> [--json]          version, frame count, duration, damage, and one row per frame
                                    (index, chunk offset, elapsed ms, width, height, pixformat, size)
  extract <file.bin> <index> <out>  write frame <index>'s payload as stored (a JPEG frame gives a .jpg)
  decode <file.bin> <index> <out.rgba> [--swap-rgb565]
                                    write frame <index> as raw RGBA, width*height*4 bytes
                                    (uncompressed formats; use extract for JPEG and PNG frames)
  repair <in.bin> <out.bin>         write a clean copy holding every complete frame
  export <in.bin> <out.{avi,gif,bin,bmp,pgm,ppm,jpg,png}> [--from N] [--to N] [--frame N]
         [--quality Q] [--scale W] [--fps F] [--no-loop] [--roi x,y,w,h]
                                    a clip (Motion-JPEG AVI, animated GIF, trimmed stream) or one
                                    frame as a still image, chosen by the output's extension
  import <in.{avi,gif,bmp,pgm,ppm,jpg,png}>... <out.bin> [--fps F]
                                    a V2.0 stream from AVI or GIF clips and still images

Options:
  --json          info: print one JSON object instead of the table
  --swap-rgb565   decode: swap the two bytes of each RGB565 pixel, for V1.0 files
                  written by firmware 3.7.0 to 3.9.1 (little-endian despite the label)
  --from N, --to N  export: first and last frame of the clip (inclusive; negative from the end)
  --frame N       export: the frame a still image is made of (default 0)
  --quality Q     export: JPEG quality 1-100 (default 50 for .jpg, 90 for .avi; JPEG frames are copied)
  --scale W       export: clip width in pixels, height by the first frame's aspect (.avi, .gif)
  --fps F         export, import: a constant frame rate instead of the recorded timing
                  (import: for stills, default 10)
  --no-loop       export: a GIF that plays once
  --roi x,y,w,h   export: a region of the frame (.bmp, .pgm, .ppm, as Image.save on the camera)
  -h, --help      print this help

<index> counts from 0; a negative index counts from the end (-1 is the last frame).
Exit status: 0 success, 1 error, 2 bad usage.
`;

/** Where main() writes: the report sink and a line-oriented error channel. */
export interface MainIo {
  stdout: Output;
  /** Receives one line, without its newline. */
  stderr(line: string): void;
  /** Progress of long jobs; optional (tests leave it out). */
  progress?: Progress;
}

/** Jobs shorter than this many frames print no progress. */
const PROGRESS_MIN_FRAMES = 200;

/**
 * Progress on stderr: on a terminal, one line rewritten in place and cleared at the end; otherwise a
 * line at every 10 %, so logs stay short.
 */
export function stderrProgress(stream: NodeJS.WriteStream): Progress {
  let lastDecile = -1;
  return (done, total) => {
    if (total < PROGRESS_MIN_FRAMES) return;
    const pct = Math.floor((done / total) * 100);
    if (stream.isTTY) {
      stream.write(done >= total ? '\r\x1b[K' : `\r${done}/${total} frames (${pct} %)`);
      return;
    }
    const decile = Math.floor(pct / 10);
    if (decile === lastDecile) return;
    lastDecile = decile;
    stream.write(`${done}/${total} frames (${pct} %)\n`);
  };
}

/** What a command gets besides its positionals and flags. */
interface RunContext {
  /** Options with values (`--from 3`), by name. */
  options: ReadonlyMap<string, string>;
  progress: Progress;
}

interface Command {
  /** Positional argument names, as the usage line shows them. */
  args: readonly string[];
  /** Flags the command accepts. */
  flags: readonly string[];
  /** Options with a value the command accepts. */
  options?: readonly string[];
  /** The first positional may repeat (at least once): `import <in>... <out>`. */
  variadic?: boolean;
  run(
    positionals: readonly string[],
    flags: ReadonlySet<string>,
    out: Output,
    ctx: RunContext,
  ): Promise<void>;
}

/** Every option that takes a value, so `--from 3` is read as one option, not a flag and a word. */
const VALUE_OPTIONS = new Set(['--from', '--to', '--frame', '--quality', '--scale', '--fps', '--roi']);

function intOption(ctx: RunContext, name: string): number | undefined {
  const text = ctx.options.get(name);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${name} takes an integer, not '${text}'`);
  return Number(text);
}

function numberOption(ctx: RunContext, name: string): number | undefined {
  const text = ctx.options.get(name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${name} takes a number, not '${text}'`);
  return n;
}

function roiOption(ctx: RunContext): [number, number, number, number] | undefined {
  const text = ctx.options.get('--roi');
  if (text === undefined) return undefined;
  const parts = text.split(',');
  if (parts.length !== 4 || parts.some((p) => !/^-?\d+$/.test(p.trim()))) {
    throw new UsageError(`--roi takes four integers x,y,w,h, not '${text}'`);
  }
  const [x, y, w, h] = parts.map(Number) as [number, number, number, number];
  return [x, y, w, h];
}

const COMMANDS: Readonly<Record<string, Command>> = {
  info: {
    args: ['<file.bin>'],
    flags: ['--json'],
    run: ([file], flags, out) => info({ file: file ?? '', json: flags.has('--json') }, out),
  },
  extract: {
    args: ['<file.bin>', '<index>', '<out>'],
    flags: [],
    run: ([file, index, dest], _flags, out) =>
      extract({ file: file ?? '', index: parseIndex(index ?? ''), out: dest ?? '' }, out),
  },
  decode: {
    args: ['<file.bin>', '<index>', '<out.rgba>'],
    flags: ['--swap-rgb565'],
    run: ([file, index, dest], flags, out) =>
      decode(
        {
          file: file ?? '',
          index: parseIndex(index ?? ''),
          out: dest ?? '',
          swapRgb565: flags.has('--swap-rgb565'),
        },
        out,
      ),
  },
  repair: {
    args: ['<in.bin>', '<out.bin>'],
    flags: [],
    run: ([input, output], _flags, out) => repairFile({ input: input ?? '', output: output ?? '' }, out),
  },
  export: {
    args: ['<in.bin>', '<out>'],
    flags: ['--no-loop'],
    options: ['--from', '--to', '--frame', '--quality', '--scale', '--fps', '--roi'],
    run: ([input, output], flags, out, ctx) =>
      exportFile(
        {
          input: input ?? '',
          output: output ?? '',
          from: intOption(ctx, '--from'),
          to: intOption(ctx, '--to'),
          frame: intOption(ctx, '--frame'),
          quality: intOption(ctx, '--quality'),
          scale: intOption(ctx, '--scale'),
          fps: numberOption(ctx, '--fps'),
          loop: !flags.has('--no-loop'),
          roi: roiOption(ctx),
        },
        out,
        ctx.progress,
      ),
  },
  import: {
    args: ['<in>', '<out.bin>'],
    variadic: true,
    flags: [],
    options: ['--fps'],
    run: (words, _flags, out, ctx) =>
      importFiles(
        { inputs: words.slice(0, -1), output: words.at(-1) ?? '', fps: numberOption(ctx, '--fps') },
        out,
        ctx.progress,
      ),
  },
};

/** argv split into words, flags and valued options. `--` ends the options; `-1` is a (negative) index. */
interface ParsedArgs {
  words: string[];
  flags: Set<string>;
  options: Map<string, string>;
  help: boolean;
}

function splitArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { words: [], flags: new Set(), options: new Map(), help: false };
  let onlyWords = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (onlyWords || arg === '-' || !arg.startsWith('-') || /^-\d+$/.test(arg)) parsed.words.push(arg);
    else if (arg === '--') onlyWords = true;
    else if (arg === '-h' || arg === '--help') parsed.help = true;
    else if (VALUE_OPTIONS.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      parsed.options.set(name, value);
    } else parsed.flags.add(arg);
  }
  return parsed;
}

/** An index argument: an integer, negative from the end. Its range is checked against the file later. */
export function parseIndex(text: string): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new UsageError(`<index> must be an integer (0 is the first frame, -1 the last), not '${text}'`);
  }
  return n;
}

/**
 * Runs the command line `argv` (without node and the script) and resolves to the exit code. Never
 * rejects: every failure becomes one line on `io.stderr`, prefixed `omv-recorder: <command>:`.
 */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = splitArgs(argv);
  } catch (err) {
    io.stderr(`${PROGRAM}: ${errorLine(err)}`);
    return 2;
  }
  const { words, flags, options, help } = parsed;
  const name = words[0];
  const command = name === undefined ? undefined : COMMANDS[name];
  const prefix = command ? `${PROGRAM}: ${name}: ` : `${PROGRAM}: `;
  try {
    if (help || name === 'help' || name === undefined) {
      await io.stdout.write(USAGE);
      return name === undefined && !help ? 2 : 0;
    }
    if (!command)
      throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    const synopsis = [
      name,
      ...command.args.map((a, i) => (command.variadic && i === 0 ? `${a}...` : a)),
      ...command.flags.map((f) => `[${f}]`),
      ...(command.options ?? []).map((o) => `[${o} ...]`),
    ].join(' ');
    for (const flag of flags) {
      if (!command.flags.includes(flag))
        throw new UsageError(`unknown option '${flag}' (usage: ${synopsis})`);
    }
    for (const option of options.keys()) {
      if (!command.options?.includes(option))
        throw new UsageError(`unknown option '${option}' (usage: ${synopsis})`);
    }
    const positionals = words.slice(1);
    const enough = command.variadic
      ? positionals.length >= command.args.length
      : positionals.length === command.args.length;
    if (!enough) {
      const wanted = `${command.variadic ? 'at least ' : ''}${command.args.length} argument${command.args.length === 1 ? '' : 's'}`;
      throw new UsageError(`expected ${wanted}, got ${positionals.length} (usage: ${synopsis})`);
    }
    await command.run(positionals, flags, io.stdout, { options, progress: io.progress ?? (() => undefined) });
    return 0;
  } catch (err) {
    if (err instanceof OutputClosed) return 0; // `| head` had enough: not an error
    // A known command's usage errors already show its synopsis; an unknown one points at the help.
    const hint = err instanceof UsageError && !command ? ` (try '${PROGRAM} --help')` : '';
    io.stderr(`${prefix}${errorLine(err)}${hint}`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

/**
 * process.stdout as an Output with backpressure: waits for 'drain' when Node's buffer is full. A reader
 * that went away (EPIPE) turns into OutputClosed, which main() treats as a quiet success; other write
 * errors become a CliError. The setImmediate lets an error Node reports asynchronously arrive before
 * the next batch is written.
 */
export function stdoutSink(stream: NodeJS.WriteStream): Output {
  let failure: Error | null = null;
  stream.on('error', (err) => {
    failure =
      isSystemError(err) && err.code === 'EPIPE'
        ? new OutputClosed('standard output closed')
        : new CliError(`cannot write to standard output: ${errorLine(err)}`);
  });
  return {
    async write(text) {
      if (failure) throw failure;
      const more = stream.write(text);
      await new Promise<void>((resume) => {
        if (more) {
          setImmediate(resume);
          return;
        }
        const done = (): void => {
          stream.off('drain', done).off('error', done).off('close', done);
          resume();
        };
        stream.once('drain', done).once('error', done).once('close', done);
      });
      if (failure) throw failure;
    },
  };
}

async function start(): Promise<void> {
  // A closed stderr must not crash us either; there is nowhere left to complain to.
  process.stderr.on('error', () => undefined);
  const code = await main(process.argv.slice(2), {
    stdout: stdoutSink(process.stdout),
    stderr: (line) => void process.stderr.write(`${line}\n`),
    progress: stderrProgress(process.stderr),
  });
  // exitCode rather than exit(): lets Node finish flushing a piped stdout first.
  process.exitCode = code;
}

/** True when this file is the script Node was asked to run (not when a test imports it). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  start().catch((err: unknown) => {
    process.stderr.write(`${PROGRAM}: ${errorLine(err)}\n`);
    process.exitCode = 1;
  });
}
