import { findChromium, NO_CHROMIUM_FIX } from './chromium-path';

const path = await findChromium();
if (!path) {
  if (process.env.CHROMIUM_PATH) console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist.`);
  console.error(NO_CHROMIUM_FIX);
  process.exit(1);
}
