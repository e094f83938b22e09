/**
 * Web Locks for the recorder. One tab records at a time: it holds {@link RECORDING_LOCK} while it records
 * or is armed, and a second tab learns which tab that is over a BroadcastChannel (a lock has no owner
 * name a page can read). Each file being written is also locked by name, so the next start recovers only
 * files whose writer is gone (the browser releases a closed or crashed tab's locks).
 */
export const RECORDING_LOCK = 'omv-recorder:recording';
const CHANNEL = 'omv-recorder:recorder';
/** How long a tab waits for the holder to describe itself before saying "another tab". */
const ASK_MS = 600;

/** The lock name of an OPFS file being recorded. */
export const fileLock = (fileName: string): string => `omv-recorder:file:${fileName}`;

type Message = { type: 'who' } | { type: 'holder'; description: string };

/** This tab, as another tab would call it: when it opened, and what it is doing now. */
const openedAt = new Date();

/**
 * Takes a lock if nobody holds it; the returned function releases it. Null when another context holds
 * it, or when this browser has no Web Locks (then there is nothing to coordinate with: the caller goes on).
 */
export async function tryLock(name: string): Promise<(() => void) | null | 'unsupported'> {
  if (!('locks' in navigator)) return 'unsupported';
  return new Promise((resolve) => {
    void navigator.locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(() => resolve(null));
  });
}

/** Names of the locks held right now, by any tab of this origin. */
export async function heldLocks(): Promise<Set<string>> {
  if (!('locks' in navigator)) return new Set();
  const state = await navigator.locks.query();
  return new Set((state.held ?? []).map((l) => l.name ?? '').filter(Boolean));
}

/**
 * While a tab records, it answers "who holds the recorder?" with `describe()`. Returns the function that
 * stops answering.
 */
export function answerWhoHolds(describe: () => string): () => void {
  if (typeof BroadcastChannel !== 'function') return () => {};
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (e: MessageEvent<Message>) => {
    if (e.data?.type === 'who')
      channel.postMessage({ type: 'holder', description: describe() } satisfies Message);
  };
  return () => channel.close();
}

/** Asks the tab holding the recorder to describe itself; a generic phrase when it does not answer. */
export async function whoHolds(): Promise<string> {
  if (typeof BroadcastChannel !== 'function') return 'another tab';
  const channel = new BroadcastChannel(CHANNEL);
  try {
    return await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('another tab'), ASK_MS);
      channel.onmessage = (e: MessageEvent<Message>) => {
        if (e.data?.type !== 'holder') return;
        clearTimeout(timer);
        resolve(e.data.description);
      };
      channel.postMessage({ type: 'who' } satisfies Message);
    });
  } finally {
    channel.close();
  }
}

/** "the tab opened at 14:02:11, recording since 14:03:05" style text for {@link answerWhoHolds}. */
export function describeThisTab(activity: string): string {
  return `the tab opened at ${openedAt.toLocaleTimeString()} (${activity})`;
}
