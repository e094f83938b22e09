/**
 * Host session of the channel protocol (firmware ≥ 5.0, protocol.md §2). This module holds the session class, running
 * and stopping scripts (§2.13, the upload-wipe trap) and close. Below it, bottom up: session-link.ts (packets, the
 * single sequence counter of §2.4, ACKs for ACK_REQ packets, RTX duplicates, fragment reassembly, timeouts, SYNC and
 * caps), session-stream.ts (the stream channel of §2.12 and frame accounting), session-core.ts (events, handshake,
 * resync of §6, the pump, stdout). Pure: no DOM, no Node.
 */
import type { Camera } from './camera';
import type { ByteLink } from './link';
import { OPCODE } from './packet';
import { encodeIoctl, encodeWriteRequest, IOCTL } from './payloads';
import { SessionCore } from './session-core';
import { isRecoverable, ProtocolError, type ChannelSessionOptions } from './session-link';
import { utf8Encode } from './utf8';

export { ProtocolError, type ChannelSessionOptions } from './session-link';

/** CHANNEL_POLL period while waiting for a stopped script to end (the device's own poll period, §2.15). */
const STOP_POLL_MS = 50;

/** The session object `connectCamera` returns for firmware ≥ 5.0. */
export class ChannelSession extends SessionCore implements Camera {
  constructor(link: ByteLink, opts: ChannelSessionOptions = {}) {
    super(link, opts);
    this.listen(opts.initialBytes);
  }

  // ---- scripts -----------------------------------------------------------------------------------------------

  private async doStop(): Promise<void> {
    const stdin = this.chanId('stdin');
    this.softRebootSeen = false;
    await this.ok(OPCODE.CHANNEL_IOCTL, stdin, encodeIoctl(IOCTL.STDIN_STOP));
    // A stdin-launched script ends with SOFT_REBOOT (§2.13); main.py scripts do not. Wait, then resync either way.
    const deadline = this.clock.now() + this.o.stopWaitMs;
    while (!this.softRebootSeen && this.clock.now() < deadline && !this.linkLost) {
      await this.idle(Math.min(20, this.o.stopWaitMs));
    }
    this.resyncNeeded = null;
    await this.resync(this.softRebootSeen ? 'soft reboot after stop' : 'after stop');
    await this.awaitScriptEnd();
    this.scriptRunning = false;
  }

  /**
   * Polls until the stdin bit clears: STDIN_STOP only takes effect when the VM accepts the interrupt (§2.10), which a
   * script inside a long C call does later. Uploading before that end runs into the §2.13 trap: the end of a stdin
   * script wipes the upload buffer, and the new script never runs. The soft reboot that follows a stdin script's end
   * is resynchronised here, so the session is in step when this returns.
   */
  private async awaitScriptEnd(): Promise<void> {
    const deadline = this.clock.now() + this.o.scriptStopTimeoutMs;
    for (;;) {
      if (this.resyncNeeded) {
        const why = this.resyncNeeded;
        this.resyncNeeded = null;
        await this.resync(why);
      }
      let running = true;
      try {
        await this.poll();
        running = this.scriptRunning;
      } catch (e) {
        // The script ended meanwhile: its soft reboot answered the poll with NAK SEQUENCE or cut it off; resync.
        if (
          !(e instanceof ProtocolError) ||
          e.kind === 'closed' ||
          (e.kind === 'nak' && !isRecoverable(e.status))
        )
          throw e;
        this.resyncNeeded ??= e.message;
      }
      if (!running && !this.resyncNeeded) return;
      if (this.linkLost) throw new ProtocolError(this.linkLost.message, 'closed');
      if (this.clock.now() >= deadline) {
        // Not a ProtocolError: the session is in step, nothing to resync or retry.
        throw new Error(`the running script did not stop within ${this.o.scriptStopTimeoutMs / 1000} s`);
      }
      if (running) await this.idle(STOP_POLL_MS);
    }
  }

  stopScript(): Promise<void> {
    return this.enqueue(() => this.retryOnce('stop script', () => this.doStop()));
  }

  /** §6: after a timeout/CRC/sequence error, resync and run `step` once more from its start. */
  private async retryOnce(what: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (e) {
      if (
        !(e instanceof ProtocolError) ||
        e.kind === 'closed' ||
        (e.kind === 'nak' && !isRecoverable(e.status))
      ) {
        throw e;
      }
      this.recordError(`${what}: ${e.message}; resync and retry`);
      await this.resync(`retry after ${e.message}`);
      await step();
    }
  }

  runScript(source: string): Promise<void> {
    const bytes = utf8Encode(source);
    const upload = async (): Promise<void> => {
      if (!this.scriptRunning) await this.poll();
      if (this.scriptRunning) await this.doStop();
      const stdin = this.chanId('stdin');
      await this.ok(OPCODE.CHANNEL_IOCTL, stdin, encodeIoctl(IOCTL.STDIN_RESET));
      const chunk = (this.caps?.maxPayload ?? 498) - 8;
      for (let off = 0; off < bytes.length; off += chunk) {
        await this.ok(OPCODE.CHANNEL_WRITE, stdin, encodeWriteRequest(off, bytes.subarray(off, off + chunk)));
      }
      await this.ok(OPCODE.CHANNEL_IOCTL, stdin, encodeIoctl(IOCTL.STDIN_EXEC));
      this.scriptRunning = true;
      // Stream settings only change at a soft reboot, and every soft reboot leads to a resync that re-sends them.
    };
    // A failed upload restarts from STDIN_RESET (never resumes mid-way, §6).
    return this.enqueue(() => this.retryOnce('run script', upload));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failPending(new ProtocolError('closed', 'closed'));
    this.wake();
    await this.pumpDone?.catch(() => undefined);
    if (!this.pumpDone) this.finish();
    await this.link.close().catch(() => undefined);
  }
}

/** Opens a channel-protocol session: handshake (§2.16); streaming starts on the first `frames()` call. */
export async function openChannelSession(
  link: ByteLink,
  opts: ChannelSessionOptions = {},
): Promise<ChannelSession> {
  const s = new ChannelSession(link, opts);
  try {
    await s.handshake();
  } catch (e) {
    await s.close();
    throw e;
  }
  return s;
}
