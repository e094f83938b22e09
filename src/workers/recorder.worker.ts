/**
 * The recorder worker: writes camera frames into OPFS recording files through sync access handles
 * (which exist only in dedicated workers), one session at a time (recorder-session.ts), and repairs
 * files a crash interrupted (`recover`). Messages: recorder.protocol.ts.
 */
import { OpfsStore } from '../storage/opfs-store';
import { recordingFileName, recordingsDirectory } from '../storage/opfs-dir';
import { recoverRecording } from './recover-recording';
import { RecorderWorkerSession, type SessionDeps } from './recorder-session';
import type { RecorderCommand, RecorderEvent } from './recorder.protocol';

declare const self: DedicatedWorkerGlobalScope;

const post = (e: RecorderEvent): void => self.postMessage(e);

let directory: Promise<FileSystemDirectoryHandle> | null = null;
const dir = (): Promise<FileSystemDirectoryHandle> => (directory ??= recordingsDirectory());

const deps: SessionDeps = {
  openFile: async (fileName) => OpfsStore.open(await dir(), fileName, true),
  removeFile: async (fileName) => (await dir()).removeEntry(fileName),
  newFile: () => {
    const id = crypto.randomUUID();
    return { id, fileName: recordingFileName(id) };
  },
  nowMs: () => performance.now(),
  post,
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
  yieldTask,
};

/**
 * A macrotask turn without the timer clamp: after a few nested setTimeout(0) calls browsers wait at least
 * 4 ms each, which capped the loop near 4,000 frames/s (bench: 40x slower than raw OPFS writes for QVGA
 * JPEG). A message on a MessageChannel is queued at once and still lets `stop` messages and timers in.
 */
const turns = new MessageChannel();
const waiting: (() => void)[] = [];
turns.port1.onmessage = () => waiting.shift()?.();
function yieldTask(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    turns.port2.postMessage(null);
  });
}

let session: RecorderWorkerSession | null = null;

self.onmessage = (event: MessageEvent<RecorderCommand>) => {
  const cmd = event.data;
  if (cmd.type === 'recover') {
    void recover(cmd.requestId, cmd.fileName);
    return;
  }
  if (cmd.type === 'start') {
    if (session && !session.isOver()) {
      post({
        type: 'error',
        session: cmd.session,
        name: 'InvalidStateError',
        message: `This recorder is busy with session ${session.id}; start another worker for session ${cmd.session}`,
        fatal: true,
      });
      return;
    }
    const s = new RecorderWorkerSession(cmd, deps);
    session = s;
    void s.run();
    return;
  }
  // Messages for a session that has ended (or never started here) have nothing left to act on.
  if (!session || session.id !== cmd.session || session.isOver()) return;
  switch (cmd.type) {
    case 'frame':
      session.frame(cmd.frame);
      return;
    case 'stop-after':
      session.stopAfter(cmd.timeUs);
      return;
    case 'stop':
      session.stop(cmd.untilSeq);
      return;
  }
};

async function recover(requestId: number, fileName: string): Promise<void> {
  try {
    const store = await OpfsStore.open(await dir(), fileName);
    try {
      post({ type: 'recovered', requestId, fileName, ...recoverRecording(store) });
    } finally {
      store.close();
    }
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', requestId, name: err.name, message: err.message, fatal: false });
  }
}
