import type { CameraService } from './camera-service';
import type { LiveViewClient } from './live-view-client';
import type { PlayerClient } from './player-client';
import type { PwaController } from './pwa';
import type { RecorderService } from './recorder-service';
import type { RecordingsRepository } from '../storage/recordings';
import type { SelfCheckResult } from './self-check';

/** The services the composition root (src/main.ts) builds once and hands to the shell. */
export interface AppServices {
  runSelfCheck(): Promise<SelfCheckResult>;
  createPlayer(canvas: HTMLCanvasElement): PlayerClient;
  /** The recordings library; absent when this browser's storage could not be opened. */
  library?: RecordingsRepository;
  /** Service worker, install prompt and update state. */
  pwa: PwaController;
  /** The camera link (Web Serial or the demo camera). */
  camera: CameraService;
  createLiveView(canvas: HTMLCanvasElement): LiveViewClient;
  /** Records the camera's frames to the library (absent without a library). */
  recorder?: RecorderService;
}
