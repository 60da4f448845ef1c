import { open, readFile, stat, unlink } from 'node:fs/promises';

/**
 * A lock file holding the owner's pid, so two processes (the app and the command line) never
 * append to one ledger at once. A lock left by a process that no longer exists is taken over.
 */
export async function withFileLock<T>(path: string, work: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await ownerIsGone(path)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${path} is held by another process; try again when it has finished`, { cause: error });
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

async function ownerIsGone(path: string): Promise<boolean> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    // Being written right now, or left empty by a process that died between create and write:
    // after a few seconds it is the latter.
    const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    return age > 5000;
  }
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
