import '../components/omv-app';
import { runSelfCheck } from './app/self-check';

/** Composition root: builds the services once and hands them to the shell. */
const app = document.querySelector('omv-app');
if (app) {
  app.services = { runSelfCheck };
  // The element may have connected before services arrived: reconnect so it starts its check.
  app.remove();
  document.body.append(app);
}
