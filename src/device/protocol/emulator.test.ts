/** End to end: the host session against the colleague's emulated board (src/device/emulator) over a link model. */
import { describe, expect, it } from 'vitest';
import { createDemoCamera, STREAMING_SCRIPT } from '../emulator';
import { connectCamera, type Camera, type CameraFrame } from './camera';

/** The next `n` frames, or fewer when frames() ends (no deadline: the test's timeout guards a hang). */
async function take(cam: Camera, n: number): Promise<CameraFrame[]> {
  const out: CameraFrame[] = [];
  const it = cam.frames()[Symbol.asyncIterator]();
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  await it.return?.();
  return out;
}

/** Resolves once `states` (filled by onState) satisfies `ok`; re-checked on every state change. */
function stateReached(cam: Camera, states: string[], ok: (s: string[]) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (ok(states)) return resolve();
    const off = cam.onState(() => {
      // Runs after the test's own listener (registered first) has pushed the state.
      queueMicrotask(() => {
        if (!ok(states)) return;
        off();
        resolve();
      });
    });
  });
}

function isJpeg(d: Uint8Array): boolean {
  return d[0] === 0xff && d[1] === 0xd8 && d[d.length - 2] === 0xff && d[d.length - 1] === 0xd9;
}

describe('host session against the emulated board', () => {
  for (const model of ['H7 Plus', 'H7', 'N6'] as const) {
    it(`${model}: connect (probe), stream JPEG frames, read stdout`, async () => {
      const demo = createDemoCamera({ model, fps: 60 });
      const cam = await connectCamera(demo.hostLink);
      const out: string[] = [];
      cam.onOutput((t) => out.push(t));
      expect(cam.info.protocol).toBe('channel');
      expect(cam.info.channels).toContain('stream');
      const frames = await take(cam, 5);
      expect(frames.length).toBe(5);
      for (const f of frames) {
        expect(f.pixformat).toBe(0x06060000);
        expect(isJpeg(f.data)).toBe(true);
        expect(f.data.length).toBe(f.size);
      }
      expect(cam.stats().corrupt).toBe(0);
      await cam.close();
      demo.stop();
    });
  }

  it('H7 over a full-speed link with ACK left on: every fragment ACKed, frames intact', async () => {
    const demo = createDemoCamera({ model: 'H7', fps: 30, link: 'full-speed' });
    const cam = await connectCamera(demo.hostLink, { ackOff: false });
    const frames = await take(cam, 4);
    expect(frames.length).toBe(4);
    for (const f of frames) expect(isJpeg(f.data)).toBe(true);
    expect(demo.board.stats.retransmits).toBe(0);
    expect(cam.stats().errors).toEqual([]);
    await cam.close();
    demo.stop();
  }, 10000);

  it('uploads and runs a script on an idle board, stops it (soft reboot), resyncs', async () => {
    const demo = createDemoCamera({ model: 'H7 Plus', fps: 60, mainPy: false });
    const cam = await connectCamera(demo.hostLink);
    const states: string[] = [];
    const out: string[] = [];
    cam.onState((s) => states.push(s));
    cam.onOutput((t) => out.push(t));
    const frames = cam.frames();
    await cam.runScript(STREAMING_SCRIPT);
    const got = await take(cam, 3);
    expect(got.length).toBe(3);
    expect(got[0]!.pixformat).toBe(0x06060000);
    await cam.stopScript();
    expect(states).toContain('recovering');
    expect(states.at(-1)).toBe('streaming');
    await cam.close();
    void frames;
    demo.stop();
  });

  it('re-handshakes after a board soft reboot', async () => {
    const demo = createDemoCamera({ model: 'H7 Plus', fps: 60, faults: { resetAfterMs: 400 } });
    const cam = await connectCamera(demo.hostLink);
    const states: string[] = [];
    cam.onState((s, d) => states.push(`${s}${d ? ` (${d})` : ''}`));
    const frames = await take(cam, 3);
    expect(frames.length).toBeGreaterThan(0);
    const rebooted = (s: string[]) => s.findIndex((x) => x.startsWith('recovering (soft reboot'));
    await stateReached(
      cam,
      states,
      (s) => rebooted(s) >= 0 && s.slice(rebooted(s)).some((x) => x.startsWith('streaming')),
    );
    expect(states.at(-1)).toMatch(/^streaming/);
    expect(cam.info.channels).toContain('stream');
    await cam.close();
    demo.stop();
  }, 10000);

  it('frames() ends when the cable is pulled', async () => {
    const demo = createDemoCamera({ model: 'H7 Plus', fps: 60 });
    const cam = await connectCamera(demo.hostLink);
    const states: string[] = [];
    cam.onState((s) => states.push(s));
    setTimeout(() => demo.unplug(), 200);
    const frames = await take(cam, Infinity);
    expect(frames.length).toBeGreaterThan(0);
    expect(states.at(-1)).toBe('disconnected');
    demo.stop();
  });
});
