/** The custom type `.bin` recordings are registered under (never a generic type that would grab every .bin). */
export const IMAGEIO_MIME = 'application/x-openmv-imageio';

interface PickerWindow {
  showOpenFilePicker?: (options: {
    multiple?: boolean;
    types?: { description: string; accept: Record<string, string[]> }[];
  }) => Promise<{ getFile(): Promise<File> }[]>;
}

/**
 * Asks for a recording: the File System Access picker where the browser has it, else the given
 * `<input type=file>`. Resolves with no file when the person cancels.
 */
export async function pickRecording(fallback: HTMLInputElement): Promise<File | null> {
  const picker = (window as unknown as PickerWindow).showOpenFilePicker;
  if (picker) {
    try {
      const [handle] = await picker({
        types: [{ description: 'OpenMV ImageIO stream', accept: { [IMAGEIO_MIME]: ['.bin'] } }],
      });
      return handle ? await handle.getFile() : null;
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return null;
      throw e;
    }
  }
  return new Promise((resolve) => {
    fallback.value = '';
    fallback.onchange = () => resolve(fallback.files?.[0] ?? null);
    fallback.oncancel = () => resolve(null);
    fallback.click();
  });
}
