/** Camera API entry point for app code: everything lives in the pure protocol layer (`./protocol/camera`). */
export {
  connectCamera,
  type Camera,
  type CameraFrame,
  type CameraInfo,
  type CameraStats,
  type ConnectOptions,
} from './protocol/camera';
export type { ByteLink } from './protocol/link';
