import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';

/**
 * This desk's device id on the team chain: derived from the machine's own id, the OS user and
 * the data directory, never kept in a file. So the app and the command line of one desk (one
 * data directory, one local ledger) are one device, and deleting the local files cannot make a
 * desk forget which team entries it must still hold locally. The host name counts only where
 * the machine has no id to read (it changes with the network on a laptop).
 */
export async function deviceId(dataDir: string): Promise<string> {
  const machine = await machineId();
  const user = (() => {
    try {
      return userInfo().username;
    } catch {
      return '';
    }
  })();
  const hex = createHash('sha256')
    .update(JSON.stringify([machine ?? `host:${hostname()}`, user, resolve(dataDir)]))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

let cached: Promise<string | null> | undefined;

/** The id the operating system keeps for this installation, or null where none can be read. */
function machineId(): Promise<string | null> {
  cached ??= (async () => {
    if (process.platform === 'darwin') {
      const out = await run('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice']);
      return /"IOPlatformUUID"\s*=\s*"([^"]+)"/.exec(out ?? '')?.[1] ?? null;
    }
    if (process.platform === 'win32') {
      const out = await run('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid']);
      return /MachineGuid\s+REG_SZ\s+(\S+)/.exec(out ?? '')?.[1] ?? null;
    }
    for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
      const id = (await readFile(path, 'utf8').catch(() => '')).trim();
      if (id) return id;
    }
    return null;
  })();
  return cached;
}

function run(command: string, args: string[]): Promise<string | null> {
  return new Promise((done) => {
    execFile(command, args, { timeout: 3000, windowsHide: true }, (error, stdout) => done(error ? null : stdout));
  });
}
