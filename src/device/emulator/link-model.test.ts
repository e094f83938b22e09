import { describe, expect, it } from 'vitest';
import { encodePacket, OPCODE, PacketParser } from '../protocol/packet';
import { byteFaults, createDemoCamera, createLinkModel } from './index';
import { settle, SteppedClock } from './test-support';

describe('link model', () => {
  it('paces a full-speed link at ~1 MB/s on the injected clock', async () => {
    const clock = new SteppedClock();
    const m = createLinkModel({ speed: 'full-speed', clock });
    let got = 0;
    m.host.listen(
      (b) => (got += b.length),
      () => undefined,
    );
    m.board.listen(
      () => undefined,
      () => undefined,
    );
    for (let i = 0; i < 25; i++) void m.board.send(new Uint8Array(4000));
    for (let t = 1; t <= 120 && got < 100_000; t++) {
      clock.set(t);
      await settle();
    }
    expect(got).toBe(100_000);
    expect(clock.now()).toBeGreaterThanOrEqual(95);
    expect(clock.now()).toBeLessThanOrEqual(102);
  });

  it('byte faults flip and drop at the configured rate, reproducibly', () => {
    const c = { flipped: 0, dropped: 0 };
    const f = byteFaults({ bitFlipRate: 0.01, dropRate: 0.01, seed: 7 }, c);
    const out = f(new Uint8Array(100_000), 'b->a');
    expect(c.dropped).toBeGreaterThan(800);
    expect(c.dropped).toBeLessThan(1200);
    expect(c.flipped).toBeGreaterThan(800);
    expect(out.length).toBe(100_000 - c.dropped);
    const c2 = { flipped: 0, dropped: 0 };
    expect(
      byteFaults({ bitFlipRate: 0.01, dropRate: 0.01, seed: 7 }, c2)(new Uint8Array(100_000), 'b->a'),
    ).toEqual(out);
    const onlyToBoard = byteFaults({ dropRate: 0.5, direction: 'to-board' }, c2);
    expect(onlyToBoard(new Uint8Array(10), 'b->a').length).toBe(10);
  });

  it('unplug closes both ends with an error and sends reject', async () => {
    const m = createLinkModel();
    let closedWith: Error | undefined;
    m.host.listen(
      () => undefined,
      (e) => (closedWith = e),
    );
    m.board.listen(
      () => undefined,
      () => undefined,
    );
    m.unplug();
    expect(closedWith?.message).toMatch(/unplugged/);
    await expect(m.host.send(new Uint8Array(1))).rejects.toThrow(/unplugged/);
  });

  it('stall holds traffic for the given time', async () => {
    const clock = new SteppedClock();
    const m = createLinkModel({ clock });
    let got = 0;
    m.host.listen(
      (b) => (got += b.length),
      () => undefined,
    );
    m.stall(50);
    void m.board.send(new Uint8Array(10));
    await settle();
    expect(got).toBe(0);
    clock.set(50);
    await settle();
    expect(got).toBe(10);
  });

  it('demo camera: reset fault soft-reboots the board (SOFT_REBOOT event, SEQ 0)', async () => {
    const clock = new SteppedClock();
    const demo = createDemoCamera({ clock, faults: { resetAfterMs: 100 }, mainPy: false });
    const parser = new PacketParser({ maxPayload: 0xffff });
    const got: number[][] = [];
    demo.hostLink.listen(
      (b) => {
        for (const e of parser.push(b))
          if (e.kind === 'packet') got.push([e.packet.opcode, e.packet.flags, e.packet.payload[0] ?? -1]);
      },
      () => undefined,
    );
    await demo.hostLink.send(
      encodePacket({ seq: 0, chan: 0, flags: 0, opcode: OPCODE.PROTO_SYNC, payload: new Uint8Array(0) }),
    );
    await settle();
    clock.set(100);
    await settle();
    await settle();
    expect(got).toEqual([
      [OPCODE.PROTO_SYNC, 0x01, -1],
      [OPCODE.SYS_EVENT, 0x20, 2],
    ]);
    expect(demo.board.sequenceCounter).toBe(0);
    demo.stop();
  });
});
