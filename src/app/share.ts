/**
 * Sharing and saving exported files: the Web Share sheet where the platform accepts the file, a
 * download otherwise, and the clipboard for a frame.
 */

/** Types the Web Share API accepts for files (AVI and ImageIO streams are not among them). */
const SHAREABLE = new Set(['image/gif', 'image/png', 'image/jpeg']);

/** True when `navigator.share` will take this file. */
export function canShareFile(file: File): boolean {
  if (!SHAREABLE.has(file.type) || typeof navigator.share !== 'function') return false;
  try {
    return navigator.canShare?.({ files: [file] }) ?? false;
  } catch {
    return false;
  }
}

/** Saves a file through the browser's download. */
export function download(file: File): void {
  const url = URL.createObjectURL(file);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Shares the file through the share sheet when possible, otherwise downloads it. Resolves with what
 * happened; a share the person dismissed is 'dismissed', not an error.
 */
export async function shareOrDownload(file: File): Promise<'shared' | 'downloaded' | 'dismissed'> {
  if (!canShareFile(file)) {
    download(file);
    return 'downloaded';
  }
  try {
    await navigator.share({ files: [file], title: file.name });
    return 'shared';
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return 'dismissed';
    throw e;
  }
}

/** Puts a PNG on the clipboard; rejects with a message a person can act on. */
export async function copyPng(png: Blob | Promise<Blob>): Promise<void> {
  if (!navigator.clipboard?.write || typeof ClipboardItem === 'undefined') {
    throw new Error('This browser cannot put images on the clipboard');
  }
  try {
    // The promise form keeps the user activation while the PNG is still being made.
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': png })]);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'NotAllowedError') {
      throw new Error(
        'The browser did not allow copying to the clipboard (allow clipboard access for this site)',
        { cause: e },
      );
    }
    throw e;
  }
}

/** RGBA pixels as a PNG blob, drawn with the platform's encoder. */
export async function rgbaToPng(width: number, height: number, rgba: Uint8ClampedArray): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw on an OffscreenCanvas');
  ctx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
