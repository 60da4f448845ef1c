import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activitySummary } from '../../src-main/activity/activity-source';
import { Ledger } from '../../src-main/ledger/ledger';
import { sessionPages, type SessionStore } from '../../src-main/session-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, withOwnRedis, writeWebSessions, type OwnRedis } from '../fixtures/web-sessions';

const HOUR = 3_600_000;

/** What the Activity view did before: page every session of each status (three passes). */
async function pagedCounts(store: SessionStore): Promise<{ active: number; revoked: number; expired: number }> {
  const counts = { active: 0, revoked: 0, expired: 0 };
  for (const status of ['active', 'revoked', 'expired'] as const) for await (const page of sessionPages(store, { status })) counts[status] += page.length;
  return counts;
}

/** SCAN commands the server has answered so far (its own count, INFO commandstats). */
async function scans(redis: OwnRedis): Promise<number> {
  const info = await redis.admin.info('commandstats');
  return Number(/cmdstat_scan:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

/**
 * Web sessions in Redis have no count of their own (the web app keeps none; see README): the
 * Activity view reads every session, but once, for its counts by status and the revoked sessions
 * in its range together, not once a status and again for the revocations. Exact: the same as
 * paging each status; a key blacklisted by `revoked:<id>` alone counts as revoked, one past its
 * `expiresAt` as expired.
 */
describe('Activity counts over web sessions in Redis', () => {
  let redis: OwnRedis;
  let dir: TempDir;
  withOwnRedis((r) => (redis = r));
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('counts exactly and finds the revocations in the range in one SCAN pass over the keys, not one a status', { timeout: 120_000 }, async () => {
    const now = Date.now();
    const sessions = Array.from({ length: 3000 }, (_, i) =>
      i % 6 === 1
        ? webSession(`user${i % 40}`, now, { fields: { revoked: true, revokedAt: new Date(now - HOUR).toISOString(), revokedReason: 'offboarding: leaver' } })
        : i % 6 === 2
          ? webSession(`user${i % 40}`, now, { ageMs: 3 * HOUR, lifetimeMs: -HOUR })
          : webSession(`user${i % 40}`, now),
    );
    // Expired sessions whose keys are still there (a TTL longer than the session's life).
    await writeWebSessions(redis.admin, sessions.filter((_, i) => i % 6 !== 2), now);
    await writeWebSessions(redis.admin, sessions.filter((_, i) => i % 6 === 2), now, 3600);
    // Blacklisted by the key alone (a revocation the JSON does not show yet).
    const blacklisted = sessions.filter((_, i) => i % 6 === 0).slice(0, 50);
    for (const s of blacklisted) await redis.admin.set(`revoked:${s.id}`, 'security_incident: mid-revocation', 'EX', 3600);

    const store = new RedisSessionStore({ client: redis.client, cursors: new CursorCodec(randomBytes(32)) });
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const range = { since: new Date(now - 24 * HOUR).toISOString(), until: new Date(now + HOUR).toISOString() };
    const expected = { active: 2000 - 50, revoked: 500 + 50, expired: 500 };
    expect(await pagedCounts(store)).toEqual(expected);

    const before = await scans(redis);
    await pagedCounts(store);
    const perStatusPasses = (await scans(redis)) - before;

    const start = await scans(redis);
    const summary = await activitySummary(store, ledger, 'redis-web', range);
    const refresh = (await scans(redis)) - start;
    expect(summary.byStatus).toEqual({ ...expected, capped: false });
    // The revocations in the range are those the store's own filter finds (the ledger is empty).
    let inRange = 0;
    for await (const page of sessionPages(store, { status: 'revoked', revokedSince: range.since, revokedUntil: range.until })) inRange += page.length;
    expect(inRange).toBeGreaterThanOrEqual(500);
    expect(summary.total).toBe(inRange);
    // One pass over the keys for the counts and the revoked sessions together, where the counts
    // alone took one a status (and the revoked sessions one more).
    expect(perStatusPasses).toBeGreaterThan(2);
    expect(refresh).toBeLessThanOrEqual(Math.ceil(perStatusPasses / 3));
  });
});
