import type { ByteLink } from '../protocol/link';
import { createDemoCamera, type DemoCameraOptions, type EmulatedBoard } from '../emulator/index';

export type { DemoCameraOptions };

/**
 * The demo camera as a ByteLink: the emulated board runs in the page and speaks the same bytes a real
 * camera would, so the whole protocol session is exercised. Closing the link stops the board.
 */
export function openDemoLink(opts: DemoCameraOptions = {}): { link: ByteLink; board: EmulatedBoard } {
  const demo = createDemoCamera(opts);
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    demo.stop();
  };
  const link: ByteLink = {
    send: (bytes) => demo.hostLink.send(bytes),
    listen: (onBytes, closed) =>
      demo.hostLink.listen(onBytes, (error) => {
        stop();
        closed(error);
      }),
    close: async () => {
      try {
        await demo.hostLink.close();
      } finally {
        stop();
      }
    },
  };
  return { link, board: demo.board };
}
