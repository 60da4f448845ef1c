import { Redis, ReplyError } from 'ioredis';
import type { BlacklistState } from '../../src-shared/revocation';
import { DurableOutbox, type PendingBlacklistWrite } from './outbox';
import { redisClient } from '../web-sessions/redis-target';

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
  const client = redisClient({ urls: [url], cluster: false, ...(auth.username ? { username: auth.username } : {}), ...(auth.password ? { password: auth.password } : {}) }, 'blacklist') as Redis;
  // Connection errors are expected while Redis is down: writes go to the outbox meanwhile (the
  // mirror keeps the last one, to tell a refusal from an outage).
  client.on('error', () => undefined);
  return client;
}

/** TLS verification failures: the server is not who it should be, which no retry will change. */
const TLS_REFUSALS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What the blacklist Redis said when it refused us for good (authentication, permission, an
 * untrusted certificate), or null for trouble that may pass (down, timed out, failing over).
 * A refusal is a failure to report now, not a write to keep pending forever.
 */
export function blacklistRefusal(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  // The message only: an ioredis reply error keeps the command it answered (AUTH and its password).
  if (/^(NOAUTH|WRONGPASS|NOPERM)\b/.test(error.message)) return error.message.split('\n')[0] ?? error.message;
  if (TLS_REFUSALS.has(code)) return `TLS: ${error.message.split('\n')[0] ?? code}`;
  return null;
}

/** The blacklist Redis refused the write for a reason no retry will fix (see blacklistRefusal). */
export class BlacklistRefusedError extends Error {
  override name = 'BlacklistRefusedError';
}

export interface FlushReport {
  written: number;
  pending: number;
  /** Why the round stopped early (Redis away, or refusing us). */
  error?: string;
}

/** Outage wording for the operator: the command's error, or the connection's when it says more. */
/** Pending writes retried at once in one round. */
const FLUSH_CHUNK = 64;

/** A command that never reached the server because the connection is not up (no offline queue). */
const NOT_CONNECTED = /Stream isn't writeable|Connection is closed/;

function describeOutage(error: unknown, connectionError: Error | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Command timed out/.test(message)) return 'the blacklist Redis did not answer in time';
  if (NOT_CONNECTED.test(message)) {
    const why = connectionError?.message.split('\n')[0];
    return `not connected to the blacklist Redis${why ? ` (${why})` : ''}`;
  }
  return message.split('\n')[0] ?? message;
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
  #flushing: Promise<FlushReport> | undefined;
  /** The connection's last error event: a refused AUTH or TLS handshake shows up only there. */
  #connectionError: Error | undefined;
  #lastError: string | undefined;
  /** Ids intended by this process whose store write is still running (see `intend`). */
  readonly #inFlight = new Set<string>();

  constructor(options: BlacklistMirrorOptions) {
    this.#redis = options.redis;
    this.#outbox = options.outbox;
    this.#clock = options.clock ?? Date.now;
    this.#retryIntervalMs = options.retryIntervalMs ?? 5000;
    // Not cleared on 'ready': ioredis reports ready even after a refused AUTH (the next command
    // then fails with "Stream isn't writeable"); a write that lands clears it.
    this.#redis.on('error', (error: Error) => (this.#connectionError = error));
  }

  /**
   * Writes the entry now, or records it durably as pending when Redis is away. Throws
   * BlacklistRefusedError when Redis refused us for good (credentials, permissions, TLS): that
   * is a failure the operator must see now. The write is kept in the outbox all the same, so it
   * lands once the credentials are fixed: the session is already revoked in the store, and a
   * later "revoke all of this user" would no longer find it.
   */
  async write(entry: PendingBlacklistWrite): Promise<BlacklistState> {
    this.#inFlight.delete(entry.id);
    try {
      await this.#set(entry);
    } catch (error) {
      const refused = this.#refusal(error);
      await this.#outbox.add(entry);
      if (refused) {
        throw new BlacklistRefusedError(
          `the blacklist Redis refused the write (${refused}): the session is not blacklisted; the write is kept and retried, but lands only once the blacklist credentials are fixed`,
        );
      }
      return 'pending';
    }
    // Landed. Settling what was intended for it (see `intend`) may fail (a full disk): the entry
    // is in Redis all the same, and a later round writes it once more (NX: nothing changes).
    await this.#outbox.done(entry.id).catch(() => undefined);
    return 'written';
  }

  /**
   * Records, durably, that an entry is to be written, before the store write it mirrors: if the
   * process dies before `write` (or `forget`) settles it, the entry is delivered like any pending
   * write. `expiresAtMs` is a conservative guess until the store says.
   */
  intend(entry: PendingBlacklistWrite): Promise<void> {
    // This process settles it itself: the retry rounds leave it alone meanwhile.
    this.#inFlight.add(entry.id);
    return this.#outbox.add(entry);
  }

  /** Drops an intended entry that turned out to have nothing to enforce (not found, expired). */
  forget(id: string): Promise<void> {
    this.#inFlight.delete(id);
    return this.#outbox.done(id);
  }

  /** The store write failed: the intended entry stays pending (when in doubt, revoke) for the retry rounds. */
  release(id: string): void {
    this.#inFlight.delete(id);
  }

  /** Retries every pending write once, reading the outbox again (another process may have added to it). */
  flush(): Promise<FlushReport> {
    this.#flushing ??= (async () => {
      await this.#outbox.load();
      let written = 0;
      this.#lastError = undefined;
      // Writes this process has in flight are settled by it; the rest go in chunks, their SETs at
      // once (one round trip) and their settle lines in one group commit.
      const due = this.#outbox.pending().filter((entry) => !this.#inFlight.has(entry.id));
      for (let start = 0; start < due.length; start += FLUSH_CHUNK) {
        const chunk = due.slice(start, start + FLUSH_CHUNK);
        const results = await Promise.allSettled(chunk.map((entry) => this.#set(entry)));
        const landed = chunk.filter((_, i) => results[i]?.status === 'fulfilled');
        await Promise.all(landed.map((entry) => this.#outbox.done(entry.id).catch(() => undefined)));
        written += landed.length;
        const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failure) {
          // Redis is still down, or refuses us: try again on the next round, and say why.
          this.#lastError = this.#refusal(failure.reason) ?? describeOutage(failure.reason, this.#connectionError);
          break;
        }
      }
      return { written, pending: this.#outbox.pending().length, ...(this.#lastError ? { error: this.#lastError } : {}) };
    })().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Why the last retry round stopped, if it did. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  #refusal(error: unknown): string | null {
    // With no offline queue, a command on a connection that AUTH or TLS refused fails only with
    // "Stream isn't writeable": the reason is the connection's last error. A reply from the
    // server (OOM, READONLY during a failover) speaks for itself.
    if (error instanceof ReplyError) return blacklistRefusal(error);
    const ownRefusal = blacklistRefusal(error);
    if (ownRefusal || !(error instanceof Error) || !NOT_CONNECTED.test(error.message)) return ownRefusal;
    return blacklistRefusal(this.#connectionError);
  }

  /** Waits (briefly) for a connection still being set up, so the first write is not sent to the outbox for nothing. */
  async #ready(): Promise<void> {
    const redis = this.#redis;
    if (redis.status !== 'connecting' && redis.status !== 'connect' && redis.status !== 'wait') return;
    if (redis.status === 'wait') void redis.connect().catch(() => undefined);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done).off('error', done).off('end', done);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      redis.once('ready', done).once('error', done).once('end', done);
    });
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
    await this.#ready();
    // Relative EX seconds, never an absolute PXAT from our clock: a skewed client clock would
    // otherwise write a key that is already expired.
    const ttl = blacklistTtlSeconds(entry.expiresAtMs, this.#clock());
    // Never shortened: an entry already there (another tool's, or one written for a longer life)
    // keeps its value and is only lengthened. EXPIRE GT needs Redis 7 and the EXPIRE permission; a
    // blacklist user allowed only SET still has the entry, so a refusal there is not an error.
    const key = `revoked:${entry.id}`;
    if ((await this.#redis.set(key, entry.reason, 'EX', ttl, 'NX')) !== 'OK') {
      const lengthened = await this.#redis.call('EXPIRE', key, String(ttl), 'GT').catch((error: unknown) => {
        if (!(error instanceof ReplyError)) throw error;
        return null;
      });
      // 0: its TTL was already as long, or the key expired between the two commands: in that
      // case it is written again.
      if (lengthened === 0) await this.#redis.set(key, entry.reason, 'EX', ttl, 'NX');
    }
    this.#connectionError = undefined;
  }
}
