import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';

/**
 * This desk's device id on the team chain: derived from the machine, the OS user and the data
 * directory, never kept in a file. So the app and the command line of one desk (one data
 * directory, one local ledger) are one device, and deleting the local files cannot make a desk
 * forget which team entries it must still hold locally.
 */
export async function deviceId(dataDir: string): Promise<string> {
  const machine = (await readFile('/etc/machine-id', 'utf8').catch(() => '')).trim();
  const user = (() => {
    try {
      return userInfo().username;
    } catch {
      return '';
    }
  })();
  const hex = createHash('sha256').update(JSON.stringify([machine, hostname(), user, resolve(dataDir)])).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
