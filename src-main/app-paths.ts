import { homedir } from 'node:os';
import { join } from 'node:path';

/** The product name Electron derives the data directory from (package.json `productName`). */
export const PRODUCT_NAME = 'Session Warden';

/**
 * Electron's `app.getPath('userData')` for this app, worked out without Electron so that the
 * command line and the app share one ledger and one outbox by default.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), PRODUCT_NAME);
}
