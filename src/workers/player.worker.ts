import { PlayerSession } from './player-session';
import type { PlayerCommand, PlayerEvent } from './player.protocol';

declare const self: DedicatedWorkerGlobalScope;

/**
 * The player worker: owns the OffscreenCanvas and one PlayerSession. Every failure goes back to the
 * page as {name, message}, tagged with the request id when a request caused it.
 */
let session: PlayerSession | null = null;

const post = (event: PlayerEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer);

function fail(id: number | null, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  post({ type: 'error', id, name: err.name, message: err.message });
}

function need(): PlayerSession {
  if (!session) throw new Error('The player has no canvas yet');
  return session;
}

self.onmessage = async (event: MessageEvent<PlayerCommand>) => {
  const cmd = event.data;
  const id = 'id' in cmd ? cmd.id : null;
  try {
    switch (cmd.type) {
      case 'init':
        session = new PlayerSession(cmd.canvas, (state) => post({ type: 'state', state }));
        break;
      case 'open': {
        const summary = await need().open(cmd.source);
        post({ type: 'opened', id: cmd.id, summary }, [summary.times.buffer]);
        break;
      }
      case 'play':
        need().play();
        break;
      case 'pause':
        need().pause();
        break;
      case 'seek':
        need().seek(cmd.frame);
        break;
      case 'seekTime':
        need().seekTime(cmd.ms);
        break;
      case 'step':
        need().step(cmd.delta);
        break;
      case 'speed':
        need().setSpeed(cmd.value);
        break;
      case 'loop':
        need().setLoop(cmd.value);
        break;
      case 'pacing':
        need().setPacing(cmd.value);
        break;
      case 'swapRgb565':
        need().setSwap(cmd.value);
        break;
      case 'selection':
        need().setSelection(cmd.range);
        break;
      case 'snapshot': {
        const shot = need().snapshot();
        post({ type: 'snapshot', id: cmd.id, ...shot }, [shot.rgba]);
        break;
      }
      case 'report':
        post({ type: 'report', id: cmd.id, ...need().report(cmd.clear) });
        break;
      case 'repair':
        post({ type: 'repaired', id: cmd.id, ...(await need().repairCopy()) });
        break;
      case 'close':
        session?.close();
        break;
    }
  } catch (e) {
    fail(id, e);
  }
};
