import { mkdir, open, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';

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
      if (this.#pending.size === 0 && line.op === 'done') {
        await truncate(this.#path, 0).catch(() => undefined);
        return;
      }
      const file = await open(this.#path, 'a', 0o600);
      try {
        await file.write(`${JSON.stringify(line)}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }
}
