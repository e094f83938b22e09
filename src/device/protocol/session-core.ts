/**
 * The running channel-protocol host session (protocol.md §2.11, §2.16, §2.17, §6): events, the handshake, resync,
 * and the pump that serves stream and stdout events, queued tasks and the idle CHANNEL_POLL; stdout text (§2.10).
 * Pure: no DOM, no Node.
 */
import { OPCODE, STATUS, type Packet } from './packet';
import {
  decodeChannelList,
  decodeEventCode,
  decodeSysInfo,
  decodeU32,
  decodeVersion,
  encodeReadRequest,
  SYS_EVENT,
  type SysInfo,
  type VersionInfo,
  versionString,
} from './payloads';
import { ProtocolError } from './session-link';
import { StreamSession } from './session-stream';
import { Utf8Decoder } from './utf8';

const BOARDS: Record<number, string> = {
  0x1202: 'OpenMV Cam M4',
  0x1203: 'OpenMV Cam M7',
  0x1204: 'OpenMV Cam H7',
  0x124a: 'OpenMV Cam H7 Plus',
  0x1205: 'OpenMV Pure Thermal',
  0x1060: 'OpenMV Cam RT1062',
  0x16e3: 'OpenMV AE3',
  0x1206: 'OpenMV N6',
};

function boardName(s: SysInfo | null): string {
  if (!s) return 'unknown';
  const id = `${s.usbVid.toString(16).toUpperCase().padStart(4, '0')}:${s.usbPid.toString(16).toUpperCase().padStart(4, '0')}`;
  const known = s.usbVid === 0x37c5 ? BOARDS[s.usbPid] : undefined;
  return known ? `${known} (${id})` : `USB ${id}`;
}

/** Events, handshake, resync and the pump on top of streaming and transport. */
export abstract class SessionCore extends StreamSession {
  version: VersionInfo | null = null;
  sysInfo: SysInfo | null = null;

  private stdoutReady = false;
  private channelsChanged = false;
  protected resyncNeeded: string | null = null;
  protected scriptRunning = false;
  protected softRebootSeen = false;
  private lastEventAt = 0;
  protected pumpDone: Promise<void> | null = null;
  private readonly outListeners = new Set<(t: string) => void>();
  private readonly decoder = new Utf8Decoder();

  protected onEvent(p: Packet): void {
    this.lastEventAt = this.clock.now();
    const code = decodeEventCode(p.payload);
    if (p.opcode === OPCODE.SYS_EVENT) {
      if (code === SYS_EVENT.SOFT_REBOOT) {
        this.softRebootSeen = true;
        this.scriptRunning = false;
        this.requestResync('soft reboot');
        // The device restarts with SEQ 0 and default caps: a reply still awaited will not come.
        if (this.pending && this.pending.opcode !== OPCODE.PROTO_SYNC) {
          this.failPending(new ProtocolError('soft reboot while waiting for a reply', 'unexpected'));
        }
      } else if (code === SYS_EVENT.CHANNEL_REGISTERED) {
        this.channelsChanged = true;
      }
    } else if (p.opcode === OPCODE.CHANNEL_EVENT) {
      const name =
        this.channels.find((c) => c.id === p.chan)?.name ??
        ['usb', 'stdin', 'stdout', 'stream'][p.chan] ??
        '';
      if (name === 'stream') this.frameReady = true;
      else if (name === 'stdout') this.stdoutReady = true;
      else if (name === 'stdin') this.scriptRunning = code === 1;
    }
    this.wake();
  }

  protected async readChannels(): Promise<void> {
    this.channels = decodeChannelList(await this.ok(OPCODE.CHANNEL_LIST));
    this.info.channels = this.channels.map((c) => c.name);
    this.channelsChanged = false;
  }

  /** SYNC, GET_CAPS, SET_CAPS, CHANNEL_LIST, VERSION, SYS_INFO (§2.16). */
  async handshake(): Promise<void> {
    await this.sync();
    await this.negotiate();
    await this.readChannels();
    this.version = decodeVersion(await this.ok(OPCODE.PROTO_VERSION));
    this.info.firmware = versionString(this.version.firmware);
    try {
      this.sysInfo = decodeSysInfo(await this.ok(OPCODE.SYS_INFO));
    } catch (e) {
      if (!(e instanceof ProtocolError && e.kind === 'nak')) throw e;
    }
    this.info.board = boardName(this.sysInfo);
    this.setState(
      'connected',
      `firmware ${this.info.firmware}, protocol ${versionString(this.version.protocol)}`,
    );
    this.pumpDone = this.pump();
  }

  /** SYNC and renegotiate (§6 resync procedure). */
  protected async resync(reason: string): Promise<void> {
    this.setState('recovering', reason);
    await this.sync();
    await this.negotiate();
    await this.readChannels();
    if (this.streaming) await this.streamIoctls();
    this.frameReady = this.streaming; // a frame may be waiting; LOCK will tell
    this.stdoutReady = true;
    this.setState(this.streaming ? 'streaming' : 'connected', 'resynchronised');
  }

  private requestResync(reason: string): void {
    if (!this.resyncNeeded) this.resyncNeeded = reason;
    this.wake();
  }

  // ---- the pump ----------------------------------------------------------------------------------------------

  private async pump(): Promise<void> {
    let failedResyncs = 0;
    let answersAtFailure = this.answers;
    while (!this.closed && !this.linkLost) {
      try {
        if (this.resyncNeeded) {
          const why = this.resyncNeeded;
          this.resyncNeeded = null;
          await this.resync(why);
          failedResyncs = 0;
        } else if (this.tasks.length) {
          await this.tasks.shift()!();
        } else if (this.channelsChanged) {
          await this.readChannels();
        } else if (this.streaming && this.frameReady) {
          await this.readFrame();
        } else if (this.stdoutReady) {
          await this.readStdout();
        } else if (this.streaming && this.clock.now() - this.lastEventAt >= this.o.idlePollMs) {
          await this.poll();
        } else {
          await this.idle(this.streaming ? this.o.idlePollMs : 1000);
        }
      } catch (e) {
        if (this.closed || this.linkLost) break;
        const msg = e instanceof Error ? e.message : String(e);
        this.recordError(msg);
        if (this.resyncNeeded === null && e instanceof ProtocolError && e.kind !== 'nak') {
          // Give up only on a camera that stopped answering: any packet since the last failure (a reply, a NAK, a
          // fragment of a read cut short by a corrupted byte) shows a camera behind a noisy link, which recovers.
          if (this.answers !== answersAtFailure) failedResyncs = 0;
          answersAtFailure = this.answers;
          failedResyncs++;
          if (failedResyncs > this.o.maxResyncs) {
            this.linkLost = new Error(`camera stopped answering: ${msg}`);
            break;
          }
          this.resyncNeeded = msg;
        } else if (
          e instanceof ProtocolError &&
          e.kind === 'nak' &&
          (e.status === STATUS.SEQUENCE || e.status === STATUS.CHECKSUM || e.status === STATUS.TIMEOUT)
        ) {
          this.resyncNeeded = msg;
        }
      }
    }
    this.finish();
  }

  protected finish(): void {
    this.endFrames();
    this.setState('disconnected', this.linkLost && !this.closed ? this.linkLost.message : undefined);
  }

  protected async poll(): Promise<void> {
    const bits = decodeU32(await this.ok(OPCODE.CHANNEL_POLL));
    this.lastEventAt = this.clock.now();
    const bit = (name: string): boolean => {
      const c = this.channels.find((x) => x.name === name);
      return !!c && !!(bits & (1 << c.id));
    };
    if (bit('stream')) this.frameReady = true;
    if (bit('stdout')) this.stdoutReady = true;
    this.scriptRunning = bit('stdin');
  }

  private async readStdout(): Promise<void> {
    this.stdoutReady = false;
    const ch = this.chanId('stdout');
    const size = decodeU32(await this.ok(OPCODE.CHANNEL_SIZE, ch));
    if (size === 0) return;
    const r = await this.request(OPCODE.CHANNEL_READ, ch, encodeReadRequest(0, size));
    const data = r.nak === null ? r.payload : r.partial; // NAK FAILED mid-read = short read (§6)
    if (data.length) {
      const text = this.decoder.decode(data);
      if (text) for (const l of this.outListeners) l(text);
    }
  }

  onOutput(listener: (text: string) => void): () => void {
    this.outListeners.add(listener);
    return () => void this.outListeners.delete(listener);
  }
}
