import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Image, PIXFORMAT } from '../format/index';
import { OutputClosed } from './errors';
import { USAGE, main, parseIndex } from './main';
import { put, record, tempDir, v20File } from './test-fixtures';

/** Runs main() in-process and returns what it printed and its exit code. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string[] }> {
  let stdout = '';
  const stderr: string[] = [];
  const code = await main(argv, {
    stdout: { write: (t) => void (stdout += t) },
    stderr: (l) => void stderr.push(l),
  });
  return { code, stdout, stderr };
}

let dir: string;
let v20: string;

beforeAll(() => {
  dir = tempDir();
  v20 = put(dir, 'v20.bin', v20File());
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('main (in-process)', () => {
  it('prints the usage: exit 0 for --help, 2 when called without arguments', async () => {
    expect(await run('--help')).toEqual({ code: 0, stdout: USAGE, stderr: [] });
    expect(await run('info', '-h')).toEqual({ code: 0, stdout: USAGE, stderr: [] });
    expect(await run()).toEqual({ code: 2, stdout: USAGE, stderr: [] });
  });

  it('rejects bad usage with exit 2 and one line', async () => {
    const cases: [string[], string][] = [
      [['frobnicate'], "omv-recorder: unknown command 'frobnicate'"],
      [['info'], 'omv-recorder: info: expected 1 argument, got 0 (usage: info <file.bin> [--json])'],
      [['info', v20, '--jsn'], "omv-recorder: info: unknown option '--jsn'"],
      [['extract', v20, '--json', '0', 'x'], "omv-recorder: extract: unknown option '--json'"],
      [['extract', v20, 'one', 'x'], 'omv-recorder: extract: <index> must be an integer'],
      [['repair', v20], 'omv-recorder: repair: expected 2 arguments, got 1'],
      [['export', v20, 'x.avi', '--quality'], 'omv-recorder: --quality needs a value'],
      [
        ['export', v20, 'x.avi', '--quality', 'high'],
        "omv-recorder: export: --quality takes an integer, not 'high'",
      ],
      [['export', v20, 'x.avi', '--frame', '2'], 'omv-recorder: export: --frame applies to still images'],
      [['export', v20, 'x.mp4'], "omv-recorder: export: cannot export to '.mp4'"],
      [['info', v20, '--from', '1'], "omv-recorder: info: unknown option '--from'"],
      [['import', 'only.bin'], 'omv-recorder: import: expected at least 2 arguments, got 1'],
    ];
    for (const [argv, start] of cases) {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(new RegExp(`^${start.replace(/[[\]().*+?]/g, '\\$&')}`));
    }
  });

  it('reads valued options in both spellings: --from 1 and --to=2', async () => {
    const out = join(dir, 'trim.bin');
    const r = await run('export', v20, out, '--from', '1', '--to=2');
    expect(r).toMatchObject({ code: 0, stderr: [] });
    expect(r.stdout).toContain('wrote 2 frames');
  });

  it('maps errors to exit 1 with the command in the line', async () => {
    const missing = join(dir, 'missing.bin');
    expect(await run('info', missing)).toEqual({
      code: 1,
      stdout: '',
      stderr: [`omv-recorder: info: cannot open '${missing}': no such file`],
    });
    const r = await run('extract', v20, '7', join(dir, 'x'));
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([
      `omv-recorder: extract: frame index 7 is out of range: '${v20}' has 3 frames, so use 0 to 2 (or -3 to -1 from the end)`,
    ]);
  });

  it('takes a negative index as a frame from the end, and `--` before it', async () => {
    expect((await run('extract', v20, '-1', join(dir, 'last.jpg'))).stdout).toMatch(/^frame 2 of .*8x8 JPEG/);
    expect((await run('extract', '--', v20, '-3', join(dir, 'first.raw'))).stdout).toMatch(/^frame 0 of /);
    expect(parseIndex('-0')).toBe(-0);
    expect(() => parseIndex('1.5')).toThrow(/must be an integer/);
    expect(() => parseIndex('99999999999999999999')).toThrow(/must be an integer/);
  });

  it('stops quietly with exit 0 when the reader of stdout goes away', async () => {
    let writes = 0;
    const stderr: string[] = [];
    const code = await main(['info', v20], {
      stdout: {
        write: () => {
          writes += 1;
          throw new OutputClosed('standard output closed');
        },
      },
      stderr: (l) => void stderr.push(l),
    });
    expect({ code, writes, stderr }).toEqual({ code: 0, writes: 1, stderr: [] });
  });
});

/**
 * The real command line, as a user runs it. npm's own config warnings would land on the child's stderr,
 * so npm's log level is set to errors only: what remains on stderr is ours alone.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function cli(args: string[], shell?: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, npm_config_loglevel: 'error' };
  const r = shell
    ? spawnSync('bash', ['-c', shell], { cwd: repoRoot, env, encoding: 'utf8' })
    : spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot, env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each test starts a real process (about a second for npx and tsx); the generous timeout only keeps a
// busy machine from failing them: nothing here measures speed.
describe('the CLI as a process (npx tsx src/cli/main.ts)', { timeout: 120_000 }, () => {
  it('exits 1 with exactly one line on stderr for a missing file', () => {
    const missing = join(dir, 'missing.bin');
    expect(cli(['info', missing])).toEqual({
      status: 1,
      stdout: '',
      stderr: `omv-recorder: info: cannot open '${missing}': no such file\n`,
    });
  });

  it('exits 1 with exactly one line on stderr for a file that is not a stream', () => {
    const notStream = put(dir, 'notes.bin', 'just some text, long enough\n');
    expect(cli(['decode', notStream, '0', join(dir, 'o.rgba')])).toEqual({
      status: 1,
      stdout: '',
      stderr: `omv-recorder: decode: '${notStream}' is not an OpenMV ImageIO stream (Unexpected value read!)\n`,
    });
  });

  it('prints the usage and exits 2 without arguments', () => {
    expect(cli([])).toEqual({ status: 2, stdout: USAGE, stderr: '' });
  });

  it('prints info --json and exits 0', () => {
    const r = cli(['info', v20, '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { count: number }).count).toBe(3);
  });

  it('exits 0 without a word on stderr when piped into head', () => {
    const frames: [Image, number][] = [];
    for (let i = 0; i < 20000; i++) frames.push([new Image(1, 1, PIXFORMAT.GRAYSCALE), 33]);
    const big = put(dir, 'big.bin', record(frames));
    const r = cli([], `npx tsx src/cli/main.ts info '${big}' | head -n 3; echo "status=\${PIPESTATUS[0]}"`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `file       ${big}\nversion    V2.0 (elapsed in milliseconds)\nframes     20000\nstatus=0\n`,
    );
  });
});
