/**
 * Board profiles for the emulated camera (protocol.md §2.6 table, §2.9 SYS_INFO, §2.12 quality table). Values the
 * transcripts show (H7, H7 Plus) are copied from them; N6 values not in a transcript are marked [INFERRED].
 */

export type BoardModel = 'H7' | 'H7 Plus' | 'N6';

export interface BoardProfile {
  model: BoardModel;
  /** `OMV_BOARD_ARCH` as the transcripts' NOTE lines print it. */
  arch: string;
  /** Protocol receive buffer (`OMV_PROTOCOL_MAX_BUFFER_SIZE`); max payload = buffer − 14. */
  bufferSize: number;
  maxPayload: number;
  /** stdout ring size; it holds size − 1 bytes. */
  stdoutRing: number;
  /** Stream buffer in KiB (`OMV_SB_SIZE`), SYS_INFO offset 60. */
  streamKiB: number;
  usbId: number;
  highSpeed: boolean;
  /** SYS_INFO words. */
  cpuId: number;
  uid: [number, number, number];
  chipIds: [number, number, number];
  hwCaps: [number, number];
  /** Raw preview default after every (soft) boot (§2.12): N6 512×512 on. */
  rawDefault: { enabled: boolean; w: number; h: number };
  jpeg: { low: number; high: number; threshold: number };
  version: {
    protocol: [number, number, number];
    bootloader: [number, number, number];
    firmware: [number, number, number];
  };
}

const VERSION: BoardProfile['version'] = { protocol: [1, 0, 2], bootloader: [1, 0, 3], firmware: [5, 0, 0] };
const UID: [number, number, number] = [0x38323934, 0x30385117, 0x0031002d];

export const PROFILES: Readonly<Record<BoardModel, BoardProfile>> = {
  H7: {
    model: 'H7',
    arch: 'OMV4 H7 1024',
    bufferSize: 512,
    maxPayload: 498,
    stdoutRing: 512,
    streamKiB: 32,
    usbId: 0x37c51204,
    highSpeed: false,
    cpuId: 0x411fc271,
    uid: UID,
    chipIds: [0x77, 0, 0],
    hwCaps: [0x00040050, 0],
    rawDefault: { enabled: false, w: 0, h: 0 },
    jpeg: { low: 50, high: 90, threshold: 320 * 240 * 2 },
    version: VERSION,
  },
  'H7 Plus': {
    model: 'H7 Plus',
    arch: 'OMV4P H7 32768 SDRAM',
    bufferSize: 4096,
    maxPayload: 4082,
    stdoutRing: 1024,
    streamKiB: 1024,
    usbId: 0x37c5124a,
    highSpeed: false,
    cpuId: 0x411fc271,
    uid: UID,
    chipIds: [0x5640, 0, 0],
    hwCaps: [0x00040070, 0],
    rawDefault: { enabled: false, w: 0, h: 0 },
    jpeg: { low: 50, high: 90, threshold: 1920 * 1080 * 2 },
    version: VERSION,
  },
  N6: {
    model: 'N6',
    arch: 'OMV_N6 N6 [INFERRED]',
    bufferSize: 8192,
    maxPayload: 8178,
    stdoutRing: 2048,
    streamKiB: 1024,
    usbId: 0x37c51206,
    highSpeed: true,
    // [INFERRED] Cortex-M55 CPUID; hw caps: NPU, ISP, JPEG, DRAM, CRC, USB HS.
    cpuId: 0x411fd221,
    uid: UID,
    chipIds: [0x5640, 0, 0],
    hwCaps: [0x00140076, 0],
    rawDefault: { enabled: true, w: 512, h: 512 },
    jpeg: { low: 50, high: 90, threshold: 800 * 600 * 2 },
    version: VERSION,
  },
};
