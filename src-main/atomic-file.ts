import { open, rename, unlink } from 'node:fs/promises';

/**
 * Replaces `path` with `text` so that a crash leaves either the old file or the new one: a
 * temporary file beside it (owner-only), fsynced, then renamed over it. A failed write removes
 * the temporary file.
 */
export async function writeFileAtomic(path: string, text: string, temporary = `${path}.${process.pid}.tmp`): Promise<void> {
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } catch (error) {
    await file.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await file.close();
  await rename(temporary, path);
}
