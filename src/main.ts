import '../components/omv-app';
import { PlayerClient } from './app/player-client';
import { runSelfCheck } from './app/self-check';
import type { AppServices } from './app/services';
import { startPwa } from './app/pwa';

/** Composition root: builds the services once and hands them to the shell. */
const services: AppServices = {
  runSelfCheck,
  createPlayer: (canvas) => new PlayerClient(canvas),
};

const app = document.querySelector('omv-app');
if (app) {
  app.services = services;
  // The element connected before its services arrived: reconnect so it starts with them.
  app.remove();
  document.body.append(app);
}

// Service worker, install prompt, launched and shared files (src/app/pwa.ts).
startPwa();
