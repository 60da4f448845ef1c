import { createHash } from 'node:crypto';
import { Cluster } from 'ioredis';
import { blacklistTtlSeconds } from '../revocation/blacklist';
import { REVOKE_GRACE_MS } from '../revocation/expiry-grace';
import { describe, reasonText, Revoker, type Reason, type RevokerOptions, type SessionWriter, type WriteOutcome } from '../revocation/revoker';
import { epochMillis } from '../stores/exact-time';
import type { RedisClient } from './redis-target';
import type { RedisSessionStore } from './redis-session-store';
import { deriveWebStatus, keys, parseRecord } from './web-session-record';

/**
 * One session revoked in one atomic step on one server, from what the keys hold at that moment.
 * KEYS: session, revoked, user_sessions. ARGV: the reason for a session not yet revoked, the
 * blacklist TTL in seconds, the id, revokedAt.
 *
 * There is no compare-and-set to lose: a session its owner keeps busy (the web app rewrites
 * `lastActiveAt` on every request) is revoked on the first try, and its latest `lastActiveAt` is
 * kept because the record is decoded, flagged and encoded here, not written from our earlier copy.
 * The blacklist entry (what services enforce) comes first and unconditionally; its TTL is
 * relative (EX) and never shortened. The session keeps its TTL (KEEPTTL). Nothing can fail after
 * the first write (Redis does not roll a failed script back): a user set of the wrong type is
 * left alone. Already revoked (by the web app, another tool, an interrupted run): what is missing
 * is completed and the stored reason kept. A record Redis cannot decode (cjson is stricter than the
 * web app's JSON.parse: a lone surrogate escape, deep nesting) still gets its blacklist entry and
 * leaves the set; only its flag is left out (`unflagged`), so no content of the record can keep
 * its session from being refused. Redis' cjson re-encodes the record: key order, `\/`
 * for `/` and an empty array (none in the web app's layout) written as `{}` may differ; every
 * value of the layout (strings, booleans, null) comes back as it was.
 */
const REVOKE_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if raw == false then return {'not_found'} end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' then record = nil end
local listed = redis.call('GET', KEYS[2])
local flagged = record ~= nil and record.revoked == true
local reason = ARGV[1]
if flagged and type(record.revokedReason) == 'string' and record.revokedReason ~= '' then reason = record.revokedReason
elseif listed then reason = listed end
if listed == false then
  redis.call('SET', KEYS[2], reason, 'EX', ARGV[2])
else
  local left = redis.call('TTL', KEYS[2])
  if left >= 0 and left < tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
end
if redis.call('TYPE', KEYS[3]).ok == 'set' then redis.call('SREM', KEYS[3], ARGV[3]) end
local outcome = 'revoked'
if flagged or listed then outcome = 'already_revoked' end
if record == nil then return {outcome, reason, 'unflagged'} end
if not flagged then
  record.revoked = true
  record.revokedAt = ARGV[4]
  record.revokedReason = reason
  redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
end
return {outcome, reason}
`;

/**
 * The record's part of the above, for a cluster (the three keys live on different slots, so the
 * blacklist entry is written before, on its own). ARGV: reason, revokedAt.
 */
const FLAG_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if raw == false then return {'not_found'} end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' then return {'not_a_record'} end
if record.revoked == true then return {'already_revoked', type(record.revokedReason) == 'string' and record.revokedReason or ''} end
record.revoked = true
record.revokedAt = ARGV[2]
record.revokedReason = ARGV[1]
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return {'revoked', ARGV[1]}
`;

/** A blacklist entry's TTL raised to at least ARGV[1] seconds, never shortened (one key: cluster-safe). */
const EXTEND_SCRIPT = `
local left = redis.call('TTL', KEYS[1])
if left >= 0 and left < tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return left
`;


type ScriptReply = ['not_found'] | ['not_a_record'] | ['revoked' | 'already_revoked', string] | ['revoked' | 'already_revoked', string, 'unflagged'];

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
   * give its blacklist entry too short a life. The read only classifies (expired, not a record)
   * and sizes the TTL; the write itself works from what the keys hold when it runs.
   */
  async revoke(id: string, reason: Reason, _revokedAt: string, nowMs: number): Promise<WriteOutcome> {
    const client = this.#client;
    const [raw, blacklisted, pttl, [seconds, micros]] = await Promise.all([
      client.get(keys.session(id)),
      client.get(keys.revoked(id)),
      client.pttl(keys.session(id)),
      client.time(),
    ]);
    const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    if (raw === null) return { outcome: 'not_found', user: '', expiresAtMs: null };
    // Not a JSON object: whatever it holds, the id is blacklisted (when in doubt, revoke); the
    // value itself is left as it is.
    const record = parseRecord(raw) ?? {};
    const user = typeof record.userId === 'string' ? record.userId : '';
    const expiresAtMs = epochMillis(record.expiresAt);
    if (deriveWebStatus(record, blacklisted !== null, serverNow - REVOKE_GRACE_MS) === 'expired') return { outcome: 'expired', user, expiresAtMs };
    // The remaining lifetime by expiresAt or by the key's own TTL, whichever is longer; one hour at least.
    const ttl = Math.max(blacklistTtlSeconds(expiresAtMs ?? serverNow, serverNow), pttl > 0 ? Math.ceil(pttl / 1000) : 0);
    const revokedAt = new Date(nowMs).toISOString();
    // Revoked before this run (flag or blacklist entry): the reason already stored is kept.
    const revokedBefore = record.revoked === true || blacklisted !== null;
    const priorReason = (record.revoked === true && typeof record.revokedReason === 'string' && record.revokedReason) || blacklisted || reasonText(reason);
    const reply =
      client instanceof Cluster
        ? await this.#revokeInCluster(client, id, user, priorReason, ttl, revokedAt, revokedBefore)
        : await this.#revokeOnServer(id, user, reasonText(reason), ttl, revokedAt);
    if (reply[0] === 'not_found') return { outcome: 'not_found', user: '', expiresAtMs: null };
    const unflagged = `revoked:${id} is written (the web app refuses the session), but session:${id} is not a record Redis can decode, so it was left unflagged`;
    if (reply[0] === 'not_a_record') return { outcome: revokedBefore ? 'already_revoked' : 'revoked', user, expiresAtMs, storedReason: priorReason, note: unflagged };
    const [outcome, storedReason, flag] = reply;
    return { outcome, user, expiresAtMs, ...(outcome === 'already_revoked' ? { storedReason } : {}), ...(flag === 'unflagged' ? { note: unflagged } : {}) };
  }

  async #revokeOnServer(id: string, user: string, reason: string, ttl: number, revokedAt: string): Promise<ScriptReply> {
    return (await runScript(this.#client, REVOKE_SCRIPT, [keys.session(id), keys.revoked(id), keys.userSessions(user)], [reason, String(ttl), id, revokedAt])) as ScriptReply;
  }

  async #revokeInCluster(client: Cluster, id: string, user: string, reason: string, ttl: number, revokedAt: string, revokedBefore: boolean): Promise<ScriptReply> {
    // The blacklist entry first: from then on the web app refuses the session, whatever fails next.
    const listedAlready = (await client.set(keys.revoked(id), reason, 'EX', ttl, 'NX')) !== 'OK';
    if (listedAlready) await runScript(client, EXTEND_SCRIPT, [keys.revoked(id)], [String(ttl)]);
    // The driver's error is described, never kept as `cause`: its command arguments may hold a secret.
    const completing = async <T>(step: string, write: () => Promise<T>): Promise<T> => {
      const result = await write().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      if ('error' in result) throw new Error(`revoked:${id} is written (the web app refuses the session), but ${step} failed (${describe(result.error)}): run again to complete it`);
      return result.value;
    };
    const flagged = await completing(`flagging session:${id} revoked`, async () => (await runScript(client, FLAG_SCRIPT, [keys.session(id)], [reason, revokedAt])) as ScriptReply);
    if (flagged[0] === 'not_found') return flagged;
    await completing(`removing it from user_sessions:${user}`, async () => {
      if ((await client.type(keys.userSessions(user))) === 'set') await client.srem(keys.userSessions(user), id);
    });
    if (flagged[0] === 'not_a_record') return flagged;
    if (revokedBefore || flagged[0] === 'already_revoked') return ['already_revoked', (flagged[0] === 'already_revoked' && flagged[1]) || reason];
    return flagged;
  }
}

const shas = new Map<string, string>();

/** EVALSHA, loading the script with EVAL the first time a server has not seen it. */
export async function runScript(client: RedisClient, script: string, scriptKeys: string[], args: string[]): Promise<unknown> {
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
