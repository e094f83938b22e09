/** The camera protocol layer (architecture §1-§2): pure packet codec, sessions and the camera API. */
export * from './crc';
export * from './packet';
export * from './payloads';
export { linkPair, type ByteLink, type LinkPairOptions } from './link';
export {
  connectCamera,
  probeWrites,
  shareLink,
  type Camera,
  type CameraFrame,
  type CameraInfo,
  type CameraStats,
  type ConnectOptions,
} from './camera';
export {
  ChannelSession,
  openChannelSession,
  ProtocolError,
  type ChannelSessionOptions,
} from './channel-session';
export { utf8Encode, utf8Decode, Utf8Decoder } from './utf8';
