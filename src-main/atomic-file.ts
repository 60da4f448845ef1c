import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';

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

/**
 * Writes every byte of `data`: `FileHandle.write` may write fewer than asked (a signal, a full
 * disk, a network file system), and what it leaves out would tear the line. On a handle opened
 * for appending the position is ignored and each part lands after the last.
 */
export async function writeAll(file: FileHandle, data: string | Buffer, position: number | null = null): Promise<void> {
  const buffer = typeof data === 'string' ? Buffer.from(data) : data;
  for (let done = 0; done < buffer.length; ) {
    const { bytesWritten } = await file.write(buffer, done, buffer.length - done, position === null ? null : position + done);
    if (bytesWritten <= 0) throw new Error('the file system accepted no bytes of a write');
    done += bytesWritten;
  }
}

/** Reads `length` bytes at `position`, however many reads that takes (fewer only at the end of the file). */
async function readAt(file: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * The length of a line file up to and including its last newline. Bytes after it are a torn line:
 * an append that a crash cut short (or one in flight, for a reader without the file's lock).
 */
export async function completeLength(file: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const read = await readAt(file, chunk, end - start, start);
    const newline = chunk.subarray(0, read).lastIndexOf(10);
    if (newline !== -1) return start + newline + 1;
    end = start;
  }
  return 0;
}

/** The last complete line before `complete` (see `completeLength`), or null in an empty file. */
export async function lastCompleteLine(file: FileHandle, complete: number, maxBytes = 256 * 1024): Promise<string | null> {
  if (complete === 0) return null;
  const length = Math.min(complete, maxBytes);
  const buffer = Buffer.alloc(length);
  await readAt(file, buffer, length, complete - length);
  return buffer.toString('utf8', 0, length - 1).split('\n').at(-1) ?? '';
}

/** A torn last line that was cut off a line file, and where its bytes were kept. */
export interface TornTailReport {
  /** The file that was cut. */
  path: string;
  /** Where the torn line began: the file's length after the cut. */
  offset: number;
  /** How many bytes were cut. */
  bytes: number;
  /** The file beside it that holds the cut bytes, for the operator to look at. */
  keptIn: string;
  /** One sentence for a log or a warning. */
  message: string;
}

/**
 * Cuts a torn last line (bytes after `complete`, the file being `size` long) so the next append
 * starts on a line of its own instead of being glued onto it. The cut bytes are first kept,
 * fsynced, in `<path>.torn-<time>` beside the file: nothing is silently thrown away. Call under
 * the file's lock, on a handle opened for reading and writing.
 */
export async function cutTornTail(file: FileHandle, path: string, complete: number, size: number): Promise<TornTailReport> {
  const torn = Buffer.alloc(size - complete);
  await readAt(file, torn, torn.length, complete);
  const keptIn = `${path}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const copy = await open(keptIn, 'wx', 0o600);
  try {
    await writeAll(copy, torn);
    await copy.sync();
  } finally {
    await copy.close();
  }
  await file.truncate(complete);
  await file.sync();
  const message = `${path} ended in a torn line (${torn.length} bytes without a newline, an append cut short by a crash); it was cut off before the next append and kept in ${keptIn}`;
  return { path, offset: complete, bytes: torn.length, keptIn, message };
}

/** What happens to a cut when the owner of the file was given no `onRecover`: a process warning (stderr). */
export function warnOfCut(report: TornTailReport): void {
  process.emitWarning(report.message, { code: 'WARDEN_TORN_LINE_CUT' });
}
