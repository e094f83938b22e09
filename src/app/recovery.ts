import type { RecordingRecord, RecordingsRepository } from '../storage/recordings';
import type { RecorderCommand, RecorderEvent } from '../workers/recorder.protocol';
import { fileLock, heldLocks } from './recorder-lock';
import { fileStamp } from './format-time';

/** What a recovery pass found and kept. */
export interface RecoveryReport {
  recovered: RecordingRecord[];
  /** Interrupted files with no complete frame, removed. */
  empty: number;
  /** Files that could not be recovered, with the reason. */
  failed: { fileName: string; message: string }[];
}

/**
 * Finds recordings a closed or crashed tab left unfinished (entries still marked in progress, and stream
 * files no entry points at) whose Web Lock nobody holds, cuts each file to its last complete frame, and
 * lists it as recovered. A file some other open tab is still writing is left alone.
 */
export async function recoverInterrupted(repo: RecordingsRepository): Promise<RecoveryReport> {
  const report: RecoveryReport = { recovered: [], empty: 0, failed: [] };
  const [held, unfinished, orphans] = await Promise.all([heldLocks(), repo.inProgress(), repo.orphanFiles()]);
  const jobs: { id: string; fileName: string; orphan: boolean }[] = [
    ...unfinished.map((r) => ({ id: r.id, fileName: r.fileName, orphan: false })),
    ...orphans.map((fileName) => ({ id: fileName.replace(/^rec-|\.bin$/g, ''), fileName, orphan: true })),
  ].filter((j) => !held.has(fileLock(j.fileName)));
  for (const job of jobs) {
    try {
      await recoverFile(job.fileName);
      if (job.orphan) {
        await repo.beginRecording({
          id: job.id,
          fileName: job.fileName,
          name: `Recovered recording ${fileStamp(new Date())}`,
          createdAt: Date.now(),
        });
      }
      const record = await repo.finishRecording(job.id, 'recovered');
      if (record) report.recovered.push(record);
      else report.empty++;
    } catch (e) {
      report.failed.push({ fileName: job.fileName, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return report;
}

/** Has a recorder worker index `fileName` and cut a damaged tail (it opens the file with a sync handle). */
function recoverFile(fileName: string): Promise<void> {
  const worker = new Worker(new URL('../workers/recorder.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<RecorderEvent>) => {
      const m = e.data;
      if (m.type === 'recovered') resolve();
      else if (m.type === 'error') reject(Object.assign(new Error(m.message), { name: m.name }));
    };
    worker.onerror = (e) => reject(new Error(e.message || 'The recorder worker failed'));
    worker.postMessage({ type: 'recover', requestId: 1, fileName } satisfies RecorderCommand);
  }).finally(() => worker.terminate());
}
