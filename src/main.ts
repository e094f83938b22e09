import '../components/omv-app';
import { CameraService } from './app/camera-service';
import { LiveViewClient } from './app/live-view-client';
import { PlayerClient } from './app/player-client';
import { runSelfCheck } from './app/self-check';
import type { AppServices } from './app/services';
import { listenForLaunchedFiles } from './app/launch';
import { startPwa } from './app/pwa';
import { RecordingsRepository } from './storage/recordings';
import { RecorderService } from './app/recorder-service';
import { recoverInterrupted } from './app/recovery';

// Service worker, install prompt, launched and shared files (src/app/pwa.ts). Before any await:
// `beforeinstallprompt` may fire early and is not repeated.
const pwa = startPwa();

// Without IndexedDB or OPFS (some private modes) the app still plays files; the library says it is unavailable.
const library = await RecordingsRepository.open().catch((e: unknown) => {
  console.warn('The recordings library is unavailable:', e);
  return undefined;
});

const camera = new CameraService();
const recorder = library ? new RecorderService(library) : undefined;
if (recorder) {
  camera.addFrameSink((frame) => recorder.onFrame(frame));
  camera.addEventListener('output', (e) => recorder.triggers.write((e as CustomEvent<string>).detail));
  camera.addEventListener('status', (e) => {
    const { state } = (e as CustomEvent<{ state: string }>).detail;
    if (state !== 'connected') {
      recorder.triggers.reset();
      void recorder.cameraGone();
    }
  });
  // Never reload (update, isolation) under a recording, and ask before the tab closes on one.
  pwa.setReloadGuard(() => (recorder.busy ? 'a recording is being written' : null));
  window.addEventListener('beforeunload', (e) => {
    if (recorder.busy) e.preventDefault();
  });
}

/** Composition root: builds the services once and hands them to the shell. */
const services: AppServices = {
  runSelfCheck,
  createPlayer: (canvas) => new PlayerClient(canvas),
  library,
  pwa,
  camera,
  recorder,
  createLiveView: (canvas) => new LiveViewClient(canvas),
};

// Recordings a closed or crashed tab left unfinished are indexed, cut to their last complete frame and listed.
if (library && recorder) {
  void recoverInterrupted(library).then(
    (report) => recorder.reportRecovery(report),
    (e: unknown) => console.warn('Recovering interrupted recordings failed:', e),
  );
}

// A camera this origin was granted before reconnects without a prompt (Web Serial getPorts()).
void services.camera.reconnectGranted();

const app = document.querySelector('omv-app');
if (app) {
  app.services = services;
  // Files from the OS ("open with") and from the share sheet play at once; ones that arrived earlier are handed over.
  listenForLaunchedFiles((files) => {
    const [first] = files;
    if (first) void app.updateComplete.then(() => app.openFile(first));
  });
}
