import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BlacklistCoverage, BlacklistRepair } from '../../src-shared/blacklist-coverage';
import type { Principal } from '../../src-shared/principal';
import { REASON_CODES, type ReasonCode } from '../../src-shared/reason-codes';
import type { Session } from '../../src-shared/session';
import { WardenError } from '../errors';
import type { Ledger } from '../ledger/ledger';
import type { LedgerRecord } from '../ledger/ledger-entry';
import type { SessionStore } from '../session-store';
import type { BlacklistMirror } from './blacklist';

/** A revoked session that enforcement points reading the blacklist would not refuse for its whole life. */
export interface CoverageGap {
  id: string;
  user: string;
  /** When the session ends (ISO 8601). */
  expiresAt: string;
  /** `missing`: no `revoked:<id>`; `short`: it expires before the session does. */
  problem: 'missing' | 'short';
  /** Seconds the key has left (null when missing). */
  ttlSeconds: number | null;
  /** Seconds the session has left: how long the key must last at least. */
  neededSeconds: number;
}

export interface CoverageReport {
  /** Revoked sessions still alive, whose keys were looked at. */
  checked: number;
  gaps: CoverageGap[];
  /** Present after a repair: what became of each gap (`written`, or left `pending`/`failed` with why). */
  repaired?: { id: string; blacklist: 'written' | 'pending' | 'failed'; error?: string }[];
}

/** Keys looked up per round trip. */
const BATCH = 500;

/**
 * How much earlier than its session a key may end before it counts as short: a key is written to
 * outlive its session, but the remaining life is worked out here on this desk's clock, which may
 * be a little behind the store's (and whole seconds are rounded up when writing).
 */
const CLOCK_MARGIN_MS = 60_000;

/**
 * Every revoked session the store still holds alive, against the blacklist Redis: `revoked:<id>`
 * missing, or with less time left than the session (a failover that lost keys, a key written
 * before the session was extended, a hand-made key). Pages the store's revoked sessions and looks
 * the keys up a batch at a time (one pipelined round trip of PTTL per batch).
 */
export async function checkBlacklistCoverage(store: SessionStore, redis: Redis, nowMs: number): Promise<CoverageReport & { sessions: Map<string, Session> }> {
  // The blacklist client queues nothing while it connects (writes fail over to the outbox): a
  // lookup sent before it is connected would fail, not wait.
  await connected(redis);
  const alive: Session[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ status: 'revoked', limit: 500, ...(cursor ? { cursor } : {}) });
    for (const s of page.sessions) if (s.expiresAt && Date.parse(s.expiresAt) > nowMs) alive.push(s);
    cursor = page.nextCursor;
  } while (cursor);
  const gaps: CoverageGap[] = [];
  for (let i = 0; i < alive.length; i += BATCH) {
    const batch = alive.slice(i, i + BATCH);
    const pipeline = redis.pipeline();
    for (const s of batch) pipeline.pttl(`revoked:${s.id}`);
    const answers = (await pipeline.exec()) ?? [];
    batch.forEach((s, k) => {
      const [error, value] = answers[k] ?? [new Error('no answer'), null];
      if (error) throw error;
      const pttl = Number(value);
      const remainingMs = Date.parse(s.expiresAt ?? '') - nowMs;
      const neededSeconds = Math.ceil(remainingMs / 1000);
      if (pttl === -2) gaps.push({ id: s.id, user: s.user, expiresAt: s.expiresAt ?? '', problem: 'missing', ttlSeconds: null, neededSeconds });
      else if (pttl >= 0 && pttl < remainingMs - CLOCK_MARGIN_MS) gaps.push({ id: s.id, user: s.user, expiresAt: s.expiresAt ?? '', problem: 'short', ttlSeconds: Math.floor(pttl / 1000), neededSeconds });
    });
  }
  return { checked: alive.length, gaps, sessions: new Map(alive.map((s) => [s.id, s])) };
}

/** Thrown when the blacklist Redis does not answer: no gap can be told from an outage. */
export class BlacklistUnreachableError extends Error {
  override name = 'BlacklistUnreachableError';
}

async function connected(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      reject(new BlacklistUnreachableError(`the blacklist Redis did not answer within ${timeoutMs / 1000} s (status ${redis.status}): nothing was checked`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', ready);
  });
}

export interface RepairOptions {
  mirror: BlacklistMirror;
  ledger: Pick<Ledger, 'append'>;
  operator: string;
  principal?: Principal | undefined;
  connection: string;
  clock?: () => number;
  /** The ledger run id for this repair (a fresh one by default). */
  run?: string;
}

/**
 * Rewrites each gap through the blacklist mirror (the same TTL rule as a revocation: the
 * session's remaining life, at least an hour; a short key is lengthened), recorded in the ledger
 * as one run the way a revocation is: an `attempt` entry per session before any key is written
 * (so a crash mid-repair leaves evidence of what was being rewritten), then an `outcome` entry,
 * `already_revoked` with the blacklist's state and what was wrong.
 */
export async function repairBlacklistGaps(gaps: CoverageGap[], sessions: Map<string, Session>, options: RepairOptions): Promise<NonNullable<CoverageReport['repaired']>> {
  const clock = options.clock ?? Date.now;
  const run = options.run ?? randomUUID();
  const plans = gaps.map((gap) => {
    const reason = sessions.get(gap.id)?.revokedReason ?? 'revoked';
    const was = gap.problem === 'missing' ? 'was missing' : `had ${gap.ttlSeconds ?? 0} s left of the session's ${gap.neededSeconds} s`;
    const record = (): LedgerRecord => ({
      kind: 'attempt',
      time: new Date(clock()).toISOString(),
      operator: options.operator,
      ...(options.principal ? { principal: options.principal } : {}),
      connection: options.connection,
      run,
      sessionId: gap.id,
      user: gap.user,
      reasonCode: reasonCodeOf(reason),
      note: `blacklist repair: revoked:${gap.id} ${was}`,
    });
    return { gap, reason, record };
  });
  await options.ledger.append(plans.map((p) => p.record()));
  const repaired: NonNullable<CoverageReport['repaired']> = [];
  const outcomes: LedgerRecord[] = [];
  for (const { gap, reason, record } of plans) {
    let state: 'written' | 'pending' | 'failed';
    let error: string | undefined;
    try {
      state = await options.mirror.write({ id: gap.id, reason, expiresAtMs: Date.parse(gap.expiresAt) });
    } catch (e) {
      state = 'failed';
      error = (e as Error).message;
    }
    repaired.push({ id: gap.id, blacklist: state, ...(error ? { error } : {}) });
    outcomes.push({ ...record(), kind: 'outcome', outcome: 'already_revoked', blacklist: state, ...(error ? { error } : {}) });
  }
  await options.ledger.append(outcomes);
  return repaired;
}

/** The reason code a stored reason starts with (`<code>: <note>` or `<code>`), else `other`. */
function reasonCodeOf(reason: string): ReasonCode {
  const code = reason.split(':')[0]?.trim();
  return (REASON_CODES as readonly string[]).includes(code ?? '') ? (code as ReasonCode) : 'other';
}

/** Who records a repair, and where: what a revocation on this connection records. */
export interface CoverageRecorder {
  operator: string;
  principal?: Principal | undefined;
  connection: string;
  ledger: Pick<Ledger, 'append'>;
}

export interface BlacklistCoverageServiceOptions {
  store: SessionStore;
  redis: Redis;
  mirror: BlacklistMirror;
  /** The blacklist Redis without credentials, as the operator sees it. */
  target: string;
  recorder: CoverageRecorder;
  clock?: () => number;
}

/**
 * The Audit screen's coverage check and repair for one open connection: the same check and the
 * same ledgered repair as `session-warden blacklist check [--repair]`, for any store kind whose
 * connection mirrors revocations to a blacklist Redis (the check only asks the store for its
 * revoked sessions, so Sentinel and PostgreSQL alike).
 */
export function blacklistCoverageService(options: BlacklistCoverageServiceOptions) {
  const clock = options.clock ?? Date.now;
  const check = async () => {
    const now = clock();
    try {
      return { ...(await checkBlacklistCoverage(options.store, options.redis, now)), checkedAt: new Date(now).toISOString(), target: options.target };
    } catch (error) {
      if (error instanceof BlacklistUnreachableError) throw new WardenError('STORE_UNAVAILABLE', `The blacklist Redis ${options.target} ${error.message.replace(/^the blacklist Redis /, '')}. Check that it is running and reachable from this machine, then try again.`);
      throw error;
    }
  };
  return {
    async check(): Promise<BlacklistCoverage> {
      const { checked, gaps, checkedAt, target } = await check();
      return { checked, gaps, checkedAt, target };
    },
    /** Checks again and repairs the confirmed ids that are still gaps; the rest are said to be covered. */
    async repair(ids: readonly string[]): Promise<BlacklistRepair> {
      const { sessions, ...report } = await check();
      const confirmed = new Set(ids);
      const gaps = report.gaps.filter((g) => confirmed.has(g.id));
      const stillGaps = new Set(gaps.map((g) => g.id));
      const alreadyCovered = ids.filter((id) => !stillGaps.has(id));
      if (gaps.length === 0) return { ...report, repaired: [], alreadyCovered };
      const run = randomUUID();
      const repaired = await repairBlacklistGaps(gaps, sessions, { mirror: options.mirror, ...options.recorder, clock, run });
      return { ...report, repaired, alreadyCovered, run };
    },
  };
}
export type BlacklistCoverageService = ReturnType<typeof blacklistCoverageService>;
