import '../components/omv-app';
import { CameraService } from './app/camera-service';
import { LiveViewClient } from './app/live-view-client';
import { PlayerClient } from './app/player-client';
import { runSelfCheck } from './app/self-check';
import type { AppServices } from './app/services';
import { listenForLaunchedFiles } from './app/launch';
import { startPwa } from './app/pwa';
import { RecordingsRepository } from './storage/recordings';

// Service worker, install prompt, launched and shared files (src/app/pwa.ts). Before any await:
// `beforeinstallprompt` may fire early and is not repeated.
const pwa = startPwa();

// Without IndexedDB or OPFS (some private modes) the app still plays files; the library says it is unavailable.
const library = await RecordingsRepository.open().catch((e: unknown) => {
  console.warn('The recordings library is unavailable:', e);
  return undefined;
});

/** Composition root: builds the services once and hands them to the shell. */
const services: AppServices = {
  runSelfCheck,
  createPlayer: (canvas) => new PlayerClient(canvas),
  library,
  pwa,
  camera: new CameraService(),
  createLiveView: (canvas) => new LiveViewClient(canvas),
};

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
