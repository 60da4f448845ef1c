import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { writeFileAtomic } from '../atomic-file';
import { redactUrl } from '../web-sessions/redis-target';
import { BlacklistMirror, blacklistRedisClient } from './blacklist';
import { DurableOutbox, outboxPathFor, type QueuedBlacklistWrite } from './outbox';

/** Where a blacklist Redis is and who we are there. The password is never written anywhere. */
export interface BlacklistTarget {
  url: string;
  username?: string | undefined;
  password?: string | null | undefined;
}

export interface OpenedBlacklist {
  mirror: BlacklistMirror;
  redis: Redis;
  outboxPath: string;
  close(): Promise<void>;
}

/**
 * A blacklist mirror over its outbox in `dataDir`: the one wiring the app, its background
 * delivery and the command line share. The outbox file is named by a hash of the URL, so a
 * `.target` file beside it says which Redis it is for (URL without credentials), for
 * `blacklist pending` and the Audit screen. `clock` sizes TTLs: the store's time where it is known
 * (a desk clock running ahead would otherwise give entries too short a life).
 */
export async function openBlacklist(target: BlacklistTarget, dataDir: string, options: { retryIntervalMs?: number; clock?: () => number } = {}): Promise<OpenedBlacklist> {
  const outboxPath = outboxPathFor(dataDir, target.url);
  await rememberTarget(outboxPath, target.url);
  const redis = blacklistRedisClient(target.url, { username: target.username, password: target.password });
  const mirror = new BlacklistMirror({ redis, outbox: new DurableOutbox(outboxPath), ...options });
  return {
    mirror,
    redis,
    outboxPath,
    close: async () => {
      await mirror.stop();
      redis.disconnect();
    },
  };
}

async function rememberTarget(outboxPath: string, url: string): Promise<void> {
  const path = `${outboxPath}.target`;
  const redacted = redactUrl(url);
  const known = await readFile(path, 'utf8').catch(() => null);
  if (known?.trim() === redacted) return;
  await writeFileAtomic(path, `${redacted}\n`);
}

/** One outbox file and what it holds now. */
export interface OutboxOnDisk {
  path: string;
  /** The blacklist Redis (no credentials), or null for a file without its `.target`. */
  target: string | null;
  pending: QueuedBlacklistWrite[];
  oldestQueuedAtMs: number | null;
}

const OUTBOX_FILE = /^blacklist-outbox-[0-9a-f]{16}\.jsonl$/;

/** Every blacklist outbox in `dataDir` with something pending, read afresh (any process may add to them). */
export async function outboxesWithPending(dataDir: string): Promise<OutboxOnDisk[]> {
  const names = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const found: OutboxOnDisk[] = [];
  for (const name of names.filter((n) => OUTBOX_FILE.test(n)).sort()) {
    const path = join(dataDir, name);
    if ((await stat(path)).size === 0) continue;
    const status = await new DurableOutbox(path).status();
    if (status.pending.length === 0) continue;
    const target = (await readFile(`${path}.target`, 'utf8').catch(() => '')).trim() || null;
    found.push({ path, target, pending: status.pending, oldestQueuedAtMs: status.oldestQueuedAtMs });
  }
  return found;
}
