import { createHash } from 'node:crypto';
import { Cluster } from 'ioredis';
import { blacklistTtlSeconds } from '../revocation/blacklist';
import { describe, reasonText, Revoker, type Reason, type RevokerOptions, type SessionWriter, type WriteOutcome } from '../revocation/revoker';
import { epochMillis } from '../sentinel/exact-time';
import type { RedisClient } from './redis-target';
import type { RedisSessionStore } from './redis-session-store';
import { deriveWebStatus, keys, parseRecord, type WebSessionRecord } from './web-session-record';

/**
 * Compare-and-set of one session, atomic on one server. KEYS: session, revoked, user_sessions.
 * ARGV: the value read before (the write happens only if it is still exactly that), the new value
 * ('' keeps it), the blacklist reason, the blacklist TTL in seconds, the id.
 * The session keeps its TTL (KEEPTTL); the blacklist entry is written only if missing, with a
 * relative EX (never an absolute time from our clock). Nothing in it can fail after the first
 * write (Redis does not roll a failed script back): a user set of the wrong type is left alone.
 */
const REVOKE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current == false then return 'not_found' end
if current ~= ARGV[1] then return 'changed' end
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') end
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4]) end
if redis.call('TYPE', KEYS[3]).ok == 'set' then redis.call('SREM', KEYS[3], ARGV[5]) end
return 'done'
`;

/** The same compare-and-set on the session key alone, for a cluster (the three keys live on different slots). */
const REWRITE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current == false then return 'not_found' end
if current ~= ARGV[1] then return 'changed' end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 'done'
`;

/** Re-reads when the web app rewrote the session (lastActiveAt) between our read and our write. */
const MAX_ATTEMPTS = 5;

export class SessionChangedError extends Error {
  override name = 'SessionChangedError';
}

/**
 * Revokes web sessions exactly as the web application does: `revoked:<id>` = reason with TTL =
 * max(remaining lifetime, 1 h); `session:<id>` rewritten with `revoked: true, revokedAt,
 * revokedReason`, keeping its TTL; the id removed from `user_sessions:<userId>`.
 *
 * On one server the three writes are one Lua script: a dropped connection leaves each session
 * either fully revoked or untouched. In a cluster they cannot be atomic, so the blacklist entry
 * (what services enforce) is written first; a later run finds the session `already_revoked` and
 * completes whatever was left.
 */
export class RedisWriter implements SessionWriter {
  readonly #client: RedisClient;

  constructor(options: { client: RedisClient }) {
    this.#client = options.client;
  }

  /**
   * Expiry is judged and TTLs computed by the Redis server's clock (TIME) and the session key's
   * own TTL, never by ours: a skewed client clock must neither call a live session expired nor
   * give its blacklist entry too short a life.
   */
  async revoke(id: string, reason: Reason, _revokedAt: string, nowMs: number): Promise<WriteOutcome> {
    const client = this.#client;
    // In a cluster the blacklist entry is written before the record; once this run has written
    // it, a retry must still report `revoked`, not mistake our own entry for an earlier revocation.
    let blacklistedByUs = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const [raw, blacklisted, pttl, [seconds, micros]] = await Promise.all([
        client.get(keys.session(id)),
        client.get(keys.revoked(id)),
        client.pttl(keys.session(id)),
        client.time(),
      ]);
      const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      if (raw === null) return { outcome: 'not_found', user: '', expiresAtMs: null };
      const record = parseRecord(raw);
      if (!record) throw new Error(`session:${id} does not hold a session record (not a JSON object); nothing was written`);
      const user = typeof record.userId === 'string' ? record.userId : '';
      const expiresAtMs = epochMillis(record.expiresAt);
      const status = deriveWebStatus(record, blacklisted !== null && !blacklistedByUs, serverNow);
      if (status === 'expired') return { outcome: 'expired', user, expiresAtMs };

      const already = status === 'revoked';
      const storedReason = already ? (typeof record.revokedReason === 'string' ? record.revokedReason : (blacklisted ?? reasonText(reason))) : reasonText(reason);
      // Already revoked (by the web app, another tool, or an interrupted run): complete what is
      // missing, keep what is there.
      const rewritten: WebSessionRecord | null =
        already && record.revoked === true ? null : { ...record, revoked: true, revokedAt: new Date(nowMs).toISOString(), revokedReason: storedReason };
      // The remaining lifetime by expiresAt or by the key's own TTL, whichever is longer; one hour at least.
      const ttl = Math.max(blacklistTtlSeconds(expiresAtMs ?? serverNow, serverNow), pttl > 0 ? Math.ceil(pttl / 1000) : 0);
      const written = await this.#write(id, user, raw, rewritten === null ? '' : JSON.stringify(rewritten), storedReason, ttl, () => (blacklistedByUs = true));
      if (written === 'not_found') return { outcome: 'not_found', user: '', expiresAtMs: null };
      if (written === 'changed') continue;
      return { outcome: already ? 'already_revoked' : 'revoked', user, expiresAtMs, ...(already ? { storedReason } : {}) };
    }
    throw new SessionChangedError(
      blacklistedByUs
        ? `session:${id} changed on every one of ${MAX_ATTEMPTS} attempts; revoked:${id} was written (the web app refuses the session), the record was not flagged: run again`
        : `session:${id} changed on every one of ${MAX_ATTEMPTS} attempts; nothing was written, run again`,
    );
  }

  async #write(
    id: string,
    user: string,
    expected: string,
    next: string,
    reason: string,
    ttl: number,
    onBlacklisted: () => void,
  ): Promise<'done' | 'changed' | 'not_found'> {
    const client = this.#client;
    if (!(client instanceof Cluster)) {
      return (await runScript(client, REVOKE_SCRIPT, [keys.session(id), keys.revoked(id), keys.userSessions(user)], [expected, next, reason, String(ttl), id])) as 'done' | 'changed' | 'not_found';
    }
    if ((await client.set(keys.revoked(id), reason, 'EX', ttl, 'NX')) === 'OK') onBlacklisted();
    // From here the web app refuses the session; what fails now only leaves its record to complete.
    // The driver's error is described, never kept as `cause`: its command arguments may hold a secret.
    const completing = async <T>(step: string, write: () => Promise<T>): Promise<T> => {
      const result = await write().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      if ('error' in result) throw new Error(`revoked:${id} is written (the web app refuses the session), but ${step} failed (${describe(result.error)}): run again to complete it`);
      return result.value;
    };
    if (next !== '') {
      const rewritten = await completing(`flagging session:${id} revoked`, () => runScript(client, REWRITE_SCRIPT, [keys.session(id)], [expected, next]));
      if (rewritten !== 'done') return rewritten as 'changed' | 'not_found';
    }
    await completing(`removing it from user_sessions:${user}`, async () => {
      if ((await client.type(keys.userSessions(user))) === 'set') await client.srem(keys.userSessions(user), id);
    });
    return 'done';
  }
}

const shas = new Map<string, string>();

/** EVALSHA, loading the script with EVAL the first time a server has not seen it. */
async function runScript(client: RedisClient, script: string, scriptKeys: string[], args: string[]): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  try {
    return await client.evalsha(sha, scriptKeys.length, ...scriptKeys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(script, scriptKeys.length, ...scriptKeys, ...args);
  }
}

export type RedisRevokerOptions = Omit<RevokerOptions, 'writer' | 'store' | 'blacklist'> & { client: RedisClient; store: RedisSessionStore };

/** Revokes web sessions in Redis; the same ledger, outcomes and progress as for DynamoDB. */
export class RedisRevoker extends Revoker {
  constructor(options: RedisRevokerOptions) {
    const clock = options.clock ?? Date.now;
    // Commands of concurrent sessions share round trips (auto-pipelining), so many at once is cheap.
    super({ ...options, clock, concurrency: options.concurrency ?? 64, writer: new RedisWriter({ client: options.client }) });
  }
}
