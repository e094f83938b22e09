import { EOFError, OSError, ValueError } from '../format/index';

/**
 * The command line's failures. Every one of them ends as a single line on stderr and an exit code, never a
 * stack trace: a person reading a terminal (or a script reading `$?`) needs what went wrong and where,
 * not where in our code it was noticed.
 */

/** A failure already worded for the user. `exitCode` is 1 for errors, 2 for bad usage. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The command line itself was wrong (unknown command or option, missing argument): exit code 2. */
export class UsageError extends CliError {
  override readonly name: string = 'UsageError';

  constructor(message: string) {
    super(message, 2);
  }
}

/**
 * Whoever read our standard output went away (`info big.bin | head`). Not a failure: the command stops
 * writing and exits 0, like the classic Unix tools do.
 */
export class OutputClosed extends Error {
  override readonly name: string = 'OutputClosed';
}

/** Node's system errors carry a `code` such as 'ENOENT'; the engine's own errors carry 'OS_ERROR' etc. */
interface SystemError extends Error {
  code: string;
  path?: string;
}

/** True for Node's fs errors (`ENOENT`, `EACCES`, ...), which are plain Errors with an `E...` code. */
export function isSystemError(err: unknown): err is SystemError {
  return (
    err instanceof Error &&
    typeof (err as Partial<SystemError>).code === 'string' &&
    /^E[A-Z]+$/.test((err as SystemError).code)
  );
}

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EBUSY: 'resource busy',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
  EXDEV: 'cannot rename across file systems',
};

/** A system error in a few words: "no such file", or Node's own wording for the rare codes. */
export function describeSystemError(err: SystemError): string {
  const word = ERRNO_WORDS[err.code];
  if (word !== undefined) return word;
  // Node's message reads "EIO: i/o error, read"; the part before the comma is the useful bit.
  return (err.message.split(',')[0] ?? err.code).trim();
}

/**
 * Runs one file operation and rewords a system error as `cannot <verb> '<path>': <reason>`, so the user
 * sees which of the files named on the command line failed, whatever step of ours touched it.
 */
export function onFile<T>(verb: string, path: string, action: () => T): T {
  try {
    return action();
  } catch (err) {
    if (isSystemError(err)) throw new CliError(`cannot ${verb} '${path}': ${describeSystemError(err)}`);
    throw err;
  }
}

/** True for the engine's three firmware error classes. */
export function isEngineError(err: unknown): err is OSError | ValueError | EOFError {
  return err instanceof OSError || err instanceof ValueError || err instanceof EOFError;
}

/**
 * One line for any error: worded errors as they are, engine errors with their class name (the firmware's
 * vocabulary, formats.md B §5.2), system errors in words, anything else marked internal. Newlines are
 * folded so the "exactly one line on stderr" promise holds whatever a message contains.
 */
export function errorLine(err: unknown): string {
  let text: string;
  if (err instanceof CliError) text = err.message;
  else if (isEngineError(err)) text = `${err.name}: ${err.message}`;
  else if (isSystemError(err)) {
    text = err.path === undefined ? describeSystemError(err) : `'${err.path}': ${describeSystemError(err)}`;
  } else if (err instanceof Error) text = `internal error: ${err.message}`;
  else text = `internal error: ${String(err)}`;
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
