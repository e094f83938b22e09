/**
 * Names shared by the service worker (src/sw.ts), which parks files shared to the app, and the page
 * (src/app/launch.ts), which picks them up. Constants only: this module type-checks in both worlds.
 */

/** Cache Storage bucket holding shared files until the page has read them. */
export const SHARE_INBOX_CACHE = 'omv-share-inbox';
/** Response header carrying the percent-encoded original file name. */
export const SHARE_NAME_HEADER = 'X-Omv-File-Name';
/** Query parameter the service worker's redirect sets (`/?share-target=1`). */
export const SHARE_TARGET_FLAG = 'share-target';
