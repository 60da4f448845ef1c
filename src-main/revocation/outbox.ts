import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withFileLock } from '../ledger/file-lock';
import { writeFileAtomic } from '../atomic-file';

/**
 * The outbox file for one Redis target: pending writes for one server are never flushed into
 * another. Named by a hash of the URL without its credentials, so no secret lands in a file name.
 */
export function outboxPathFor(dataDir: string, redisUrl: string): string {
  let target = redisUrl;
  try {
    const url = new URL(redisUrl);
    url.username = '';
    url.password = '';
    url.search = '';
    target = url.toString();
  } catch {
    // An unparsable URL still gets a stable file of its own.
  }
  return join(dataDir, `blacklist-outbox-${createHash('sha256').update(target).digest('hex').slice(0, 16)}.jsonl`);
}

export interface PendingBlacklistWrite {
  /** Session id; the key is `revoked:<id>`. */
  id: string;
  /** The value services read: the revocation reason. */
  reason: string;
  /** When the session expires (ms since epoch); the TTL is worked out when the write lands. */
  expiresAtMs: number;
}

type Line = ({ op: 'add' } & PendingBlacklistWrite) | { op: 'done'; id: string };

/**
 * Blacklist writes that Redis has not acknowledged yet, kept in a JSON-lines file (fsynced) so
 * that none is lost when Redis is down or the app restarts. Emptied once everything has landed.
 */
export class DurableOutbox {
  readonly #path: string;
  readonly #pending = new Map<string, PendingBlacklistWrite>();
  #writes: Promise<void> = Promise.resolve();
  #loaded = false;

  constructor(path: string) {
    this.#path = path;
  }

  async load(): Promise<void> {
    if (this.#loaded) return;
    const text = await readFile(this.#path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // a torn last line from a crash: that write was never confirmed as pending
      }
      if (line.op === 'add') this.#pending.set(line.id, { id: line.id, reason: line.reason, expiresAtMs: line.expiresAtMs });
      else this.#pending.delete(line.id);
    }
    this.#loaded = true;
  }

  pending(): PendingBlacklistWrite[] {
    return [...this.#pending.values()];
  }

  /** Resolves once the write is durably recorded as pending. */
  add(write: PendingBlacklistWrite): Promise<void> {
    this.#pending.set(write.id, write);
    return this.#append({ op: 'add', ...write });
  }

  done(id: string): Promise<void> {
    if (!this.#pending.delete(id)) return this.#writes;
    return this.#append({ op: 'done', id });
  }

  #append(line: Line): Promise<void> {
    const write = this.#writes.then(async () => {
      await mkdir(dirname(this.#path), { recursive: true });
      // Another process may share this outbox (the app and a command line): appends and the
      // compaction that drops finished entries happen under one lock, and compaction keeps
      // whatever any process still has pending.
      await withFileLock(`${this.#path}.lock`, async () => {
        const file = await open(this.#path, 'a', 0o600);
        try {
          await file.write(`${JSON.stringify(line)}\n`);
          await file.sync();
        } finally {
          await file.close();
        }
        if (line.op === 'done' && this.#pending.size === 0) await this.#compact();
      });
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  /** Rewrites the file with only the entries still pending (by anyone), atomically. */
  async #compact(): Promise<void> {
    const remaining = new Map<string, PendingBlacklistWrite>();
    for (const raw of (await readFile(this.#path, 'utf8')).split('\n')) {
      if (!raw.trim()) continue;
      try {
        const line = JSON.parse(raw) as Line;
        if (line.op === 'add') remaining.set(line.id, { id: line.id, reason: line.reason, expiresAtMs: line.expiresAtMs });
        else remaining.delete(line.id);
      } catch {
        // torn line: not a confirmed pending write
      }
    }
    await writeFileAtomic(this.#path, [...remaining.values()].map((w) => `${JSON.stringify({ op: 'add', ...w })}\n`).join(''), `${this.#path}.tmp`);
  }
}
