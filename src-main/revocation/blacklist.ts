import { Redis } from 'ioredis';
import type { BlacklistState } from '../../src-shared/revocation';
import { DurableOutbox, type PendingBlacklistWrite } from './outbox';

/** A blacklist entry lives at least an hour, even for a session about to expire. */
export const MIN_BLACKLIST_TTL_SECONDS = 3600;

/** TTL for `revoked:<id>`: the session's remaining lifetime, at least one hour, in whole seconds. */
export function blacklistTtlSeconds(expiresAtMs: number, nowMs: number): number {
  return Math.max(Math.ceil((expiresAtMs - nowMs) / 1000), MIN_BLACKLIST_TTL_SECONDS);
}

/**
 * An ioredis client for the blacklist that fails fast: no offline queue (a command while
 * disconnected fails at once instead of waiting), a command timeout, and reconnects in the
 * background. Callers send failed writes to the outbox.
 */
export function blacklistRedisClient(url: string, auth: { username?: string | undefined; password?: string | null | undefined } = {}): Redis {
  const client = new Redis(url, {
    ...(auth.username ? { username: auth.username } : {}),
    ...(auth.password ? { password: auth.password } : {}),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1500,
    connectTimeout: 1500,
    retryStrategy: (attempt) => Math.min(attempt * 250, 5000),
  });
  // Connection errors are expected while Redis is down: writes go to the outbox meanwhile.
  client.on('error', () => undefined);
  return client;
}

export interface BlacklistMirrorOptions {
  redis: Redis;
  outbox: DurableOutbox;
  clock?: () => number;
  /** How often pending writes are retried. */
  retryIntervalMs?: number;
}

/**
 * Mirrors revocations into Redis as `revoked:<id>` so enforcement points need one lookup. A write
 * that does not land at once is kept in the durable outbox and retried until it does.
 */
export class BlacklistMirror {
  readonly #redis: Redis;
  readonly #outbox: DurableOutbox;
  readonly #clock: () => number;
  readonly #retryIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<{ written: number; pending: number }> | undefined;

  constructor(options: BlacklistMirrorOptions) {
    this.#redis = options.redis;
    this.#outbox = options.outbox;
    this.#clock = options.clock ?? Date.now;
    this.#retryIntervalMs = options.retryIntervalMs ?? 5000;
  }

  /** Writes the entry now, or records it durably as pending; never throws for Redis trouble. */
  async write(entry: PendingBlacklistWrite): Promise<BlacklistState> {
    try {
      await this.#set(entry);
      return 'written';
    } catch {
      await this.#outbox.add(entry);
      return 'pending';
    }
  }

  /** Retries every pending write once; returns how many landed and how many remain. */
  flush(): Promise<{ written: number; pending: number }> {
    this.#flushing ??= (async () => {
      await this.#outbox.load();
      let written = 0;
      for (const entry of this.#outbox.pending()) {
        try {
          await this.#set(entry);
          await this.#outbox.done(entry.id);
          written += 1;
        } catch {
          break; // Redis is still down: try again on the next round
        }
      }
      return { written, pending: this.#outbox.pending().length };
    })().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  pendingCount(): number {
    return this.#outbox.pending().length;
  }

  /** Loads writes left pending by an earlier run, then retries them in the background. */
  async start(): Promise<void> {
    await this.#outbox.load();
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flush().catch(() => undefined), this.#retryIntervalMs);
    this.#timer.unref();
    void this.flush().catch(() => undefined);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#flushing?.catch(() => undefined);
  }

  async #set(entry: PendingBlacklistWrite): Promise<void> {
    // Relative EX seconds, never an absolute PXAT from our clock: a skewed client clock would
    // otherwise write a key that is already expired.
    const ttl = blacklistTtlSeconds(entry.expiresAtMs, this.#clock());
    await this.#redis.set(`revoked:${entry.id}`, entry.reason, 'EX', ttl);
  }
}
