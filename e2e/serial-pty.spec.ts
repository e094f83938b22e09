import { chromium, expect, test, type Browser } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from '../scripts/chromium-path';
import { createDemoCamera } from '../src/device/emulator/index';

/**
 * The real Web Serial stack end to end (toolchain.md, "What did work"): the demo camera runs here in Node
 * behind a pseudo-terminal; Chromium sees that pty as /dev/ttyS0 (bind-mounted in a private mount
 * namespace, so the machine's real port is never opened) and may use it without a chooser thanks to the
 * `SerialAllowAllPortsForUrls` policy (a copy of /etc/chromium, also bind-mounted). The app reconnects to
 * the granted port on load through `getPorts()`. Needs root, a ttyS device, unshare/mount and socat or
 * python3; otherwise the test skips and prints why.
 */

const PTY_MAJOR_HEX = '88'; // 136: pty slaves (Unix98)

function have(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Why this machine cannot run the test, or null. */
function whyNot(): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (mount namespace, bind mounts)';
  if (
    !existsSync('/sys/class/tty') ||
    !readdirSync('/sys/class/tty').includes('ttyS0') ||
    !existsSync('/dev/ttyS0')
  )
    return 'needs a /dev/ttyS0 serial device for Chromium to enumerate';
  if (!existsSync('/etc/chromium')) return 'needs /etc/chromium (Debian Chromium reads its policies there)';
  if (!have('unshare', ['-m', '--propagation', 'private', 'true'])) return 'unshare -m is not allowed here';
  if (!have('socat', ['-V']) && !have('python3', ['-c', 'import pty, tty, select']))
    return 'needs socat or python3 to make a pseudo-terminal';
  return null;
}

/** A pty whose other end is `proc`'s stdio: the pty's path, and the process (kill it to "unplug"). */
async function openPty(dir: string): Promise<{ path: string; proc: ChildProcess }> {
  if (have('socat', ['-V'])) {
    const path = join(dir, 'camera-pty');
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${path}`, 'STDIO'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      proc.stderr!.on('data', (d: Buffer) => {
        if (/starting data transfer loop/.test(d.toString())) resolve();
      });
      proc.once('exit', () => reject(new Error('socat exited')));
    });
    return { path, proc };
  }
  const script = fileURLToPath(new URL('../scripts/pty-bridge.py', import.meta.url));
  const proc = spawn('python3', [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const path = await new Promise<string>((resolve, reject) => {
    let text = '';
    proc.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const line = text.split('\n')[0];
      if (text.includes('\n') && line) resolve(line.trim());
    });
    proc.once('exit', () => reject(new Error(`the pty bridge exited: ${text}`)));
  });
  return { path, proc };
}

/** A Chromium launcher that enters a private mount namespace with the pty over /dev/ttyS0 and the policy. */
function namespacedChromium(dir: string, chromiumPath: string, ptyPath: string, origin: string): string {
  const policyDir = join(dir, 'etc-chromium');
  cpSync('/etc/chromium', policyDir, { recursive: true });
  mkdirSync(join(policyDir, 'policies', 'managed'), { recursive: true });
  writeFileSync(
    join(policyDir, 'policies', 'managed', 'serial.json'),
    JSON.stringify({ SerialAllowAllPortsForUrls: [origin] }),
  );
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const inner = [
    `mount --bind ${q(policyDir)} /etc/chromium || exit 97`,
    `mount --bind "$(readlink -f ${q(ptyPath)})" /dev/ttyS0 || exit 98`,
    // Never go on with the machine's real port.
    `[ "$(stat -L -c %t /dev/ttyS0)" = ${PTY_MAJOR_HEX} ] || { echo "/dev/ttyS0 is not the pty" >&2; exit 99; }`,
    `exec ${q(chromiumPath)} "$@"`,
  ].join('\n');
  const wrapper = join(dir, 'chromium-ns.sh');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec unshare -m --propagation private sh -c ${q(inner)} chromium "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

test.describe('real Web Serial through a pty', () => {
  const reason = whyNot();
  if (reason) console.log(`serial-pty: skipped: ${reason}`);
  test.skip(reason !== null, reason ?? '');

  let dir = '';
  let bridge: ChildProcess | null = null;
  let browser: Browser | null = null;
  let demo: ReturnType<typeof createDemoCamera> | null = null;
  let killed = false;

  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a hook destructures.
  test.beforeAll(async ({}, testInfo) => {
    const origin = new URL(testInfo.project.use.baseURL ?? 'http://localhost:4173/').origin;
    dir = mkdtempSync(join(tmpdir(), 'omv-serial-pty-'));
    const pty = await openPty(dir);
    bridge = pty.proc;
    let bridgeLog = '';
    bridge.stderr!.on('data', (d: Buffer) => (bridgeLog += d.toString()));
    bridge.once('exit', (code, signal) => {
      if (!killed) console.log(`serial-pty: the pty bridge exited (${code ?? signal}): ${bridgeLog}`);
    });
    // Writing to a bridge that is gone ("unplugged") is expected; the browser sees the lost device.
    bridge.stdin!.on('error', () => undefined);
    // The demo camera, its host side wired to the pty: what Chromium writes reaches the board and back.
    demo = createDemoCamera({ link: 'unlimited' });
    const board = demo;
    bridge.stdout!.on(
      'data',
      (b: Buffer) => void board.hostLink.send(new Uint8Array(b)).catch(() => undefined),
    );
    board.hostLink.listen(
      (bytes) => {
        if (bridge?.stdin?.writable) bridge.stdin.write(bytes);
      },
      () => undefined,
    );
    const executablePath = (await findChromium()) ?? '/usr/bin/chromium';
    browser = await chromium.launch({
      executablePath: namespacedChromium(dir, executablePath, pty.path, origin),
    });
  });

  test.afterAll(async () => {
    await browser?.close().catch(() => undefined);
    bridge?.kill();
    demo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the app reconnects to the granted port on load, streams, and notices the unplug', async ({
    baseURL,
  }) => {
    const context = await browser!.newContext({ baseURL });
    const page = await context.newPage();
    await page.goto('/');
    const live = page.getByRole('region', { name: 'Live view' });
    // getPorts() lists the pty (the policy grants it), and the app connects to it without a prompt.
    await expect(live.getByRole('status')).toContainText('Connected', { timeout: 30_000 });
    // The board boots running its main.py, which streams.
    const shown = live.locator('[data-field=shown]');
    await expect.poll(async () => Number(await shown.textContent()), { timeout: 30_000 }).toBeGreaterThan(2);
    // Disconnect really releases the port: Chromium would refuse a second open() ("already open") or
    // close() with a locked stream otherwise.
    await live.getByRole('button', { name: 'Disconnect' }).click();
    await expect(live.getByRole('status')).toHaveText('Disconnected.');
    const reopened = await page.evaluate(async () => {
      const [port] = await navigator.serial.getPorts();
      if (!port) return 'no port';
      await port.open({ baudRate: 921600 });
      await port.close();
      return 'ok';
    });
    expect(reopened).toBe('ok');
    // A reload reconnects through getPorts() again.
    await page.reload();
    await expect(live.getByRole('status')).toContainText('Connected', { timeout: 30_000 });
    const before = Number(await shown.textContent());
    await expect
      .poll(async () => Number(await shown.textContent()), { timeout: 30_000 })
      .toBeGreaterThan(before);
    // Unplug: the pty's other end goes away; the pending read rejects (no disconnect event on a pty).
    killed = true;
    bridge!.kill();
    await expect(live.getByRole('status')).toHaveAttribute('data-state', 'lost', { timeout: 30_000 });
    await expect(live.getByRole('button', { name: 'Run script' })).toBeDisabled();
    await context.close();
  });
});
