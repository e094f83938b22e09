import type { PlayerClient } from './player-client';
import type { SelfCheckResult } from './self-check';

/** The services the composition root (src/main.ts) builds once and hands to the shell. */
export interface AppServices {
  runSelfCheck(): Promise<SelfCheckResult>;
  createPlayer(canvas: HTMLCanvasElement): PlayerClient;
}
