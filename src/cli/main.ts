import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decode, extract, info, repairFile, type Output } from './commands';
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

Options:
  --json          info: print one JSON object instead of the table
  --swap-rgb565   decode: swap the two bytes of each RGB565 pixel, for V1.0 files
                  written by firmware 3.7.0 to 3.9.1 (little-endian despite the label)
  -h, --help      print this help

<index> counts from 0; a negative index counts from the end (-1 is the last frame).
Exit status: 0 success, 1 error, 2 bad usage.
`;

/** Where main() writes: the report sink and a line-oriented error channel. */
export interface MainIo {
  stdout: Output;
  /** Receives one line, without its newline. */
  stderr(line: string): void;
}

interface Command {
  /** Positional argument names, as the usage line shows them. */
  args: readonly string[];
  /** Flags the command accepts. */
  flags: readonly string[];
  run(positionals: readonly string[], flags: ReadonlySet<string>, out: Output): Promise<void>;
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
};

/** argv split into words and flags. `--` ends the flags; `-1` is a (negative) index, not a flag. */
interface ParsedArgs {
  words: string[];
  flags: Set<string>;
  help: boolean;
}

function splitArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { words: [], flags: new Set(), help: false };
  let onlyWords = false;
  for (const arg of argv) {
    if (onlyWords || arg === '-' || !arg.startsWith('-') || /^-\d+$/.test(arg)) parsed.words.push(arg);
    else if (arg === '--') onlyWords = true;
    else if (arg === '-h' || arg === '--help') parsed.help = true;
    else parsed.flags.add(arg);
  }
  return parsed;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

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
  const { words, flags, help } = splitArgs(argv);
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
    const synopsis = [name, ...command.args, ...command.flags.map((f) => `[${f}]`)].join(' ');
    for (const flag of flags) {
      if (!command.flags.includes(flag))
        throw new UsageError(`unknown option '${flag}' (usage: ${synopsis})`);
    }
    const positionals = words.slice(1);
    if (positionals.length !== command.args.length) {
      throw new UsageError(
        `expected ${plural(command.args.length, 'argument')}, got ${positionals.length} (usage: ${synopsis})`,
      );
    }
    await command.run(positionals, flags, io.stdout);
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
