/** End to end: the host session against the colleague's emulated board (src/device/emulator) over a link model. */
import { describe, expect, it } from 'vitest';
import { createDemoCamera, STREAMING_SCRIPT } from '../emulator';
import { connectCamera, type Camera, type CameraFrame } from './camera';

async function take(cam: Camera, n: number, ms = 5000): Promise<CameraFrame[]> {
  const out: CameraFrame[] = [];
  const it = cam.frames()[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const r = await Promise.race([it.next(), new Promise<null>((res) => setTimeout(() => res(null), left))]);
    if (r === null || r.done) break;
    out.push(r.value);
  }
  await it.return?.();
  return out;
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
    const frames = await take(cam, 4, 8000);
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
    const frames = await take(cam, 3, 3000);
    expect(frames.length).toBeGreaterThan(0);
    const end = Date.now() + 3000;
    while (!states.some((s) => s.startsWith('recovering (soft reboot')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    while (states.at(-1)?.startsWith('streaming') !== true && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
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
    const frames = await take(cam, 1000, 5000);
    expect(frames.length).toBeGreaterThan(0);
    expect(states.at(-1)).toBe('disconnected');
    demo.stop();
  });
});
