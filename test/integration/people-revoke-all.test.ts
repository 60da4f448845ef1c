import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentView, PeopleFindResponse, PeopleRevokeResponse, PersonGroup } from '../../src-shared/people';
import { MAX_PERSON_SESSIONS } from '../../src-shared/people';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { insertSessions, insertUser, storedRow } from '../fixtures/postgres-sessions';
import { sentinelItem } from '../fixtures/sentinel-table';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { startPeopleStores, type PeopleStores } from './people-stores';

/**
 * A person with more sessions than a search lists (500 per group): "Revoke everywhere" revokes
 * every live session of theirs in each selected connection, read by main from the store at
 * revocation time, and the outcomes count what was confirmed. A revoked PostgreSQL session is
 * reported under the person's e-mail (how the connection names them), not its user_id.
 */
describe('people:revoke revokes every live session of the person, not only the listed ones', () => {
  let stores: PeopleStores;

  beforeAll(async () => {
    stores = await startPeopleStores({ timeoutMs: 20_000 });
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  const find = async (person: string, connections: string[]) => (await stores.call('people:find', { person, connections })) as unknown as PeopleFindResponse;
  const revoke = async (payload: Record<string, unknown>) => (await stores.call('people:revoke', payload)) as unknown as PeopleRevokeResponse;
  /** What the dialog confirms: every live session of each group (the listed ones named, the rest read by main), and the count. */
  const everyLive = (g: PersonGroup) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((s) => s.status === 'active').map((s) => s.id), everyLive: true, confirmedCount: g.counts.active });

  it('600 live sessions in DynamoDB and in Redis: all 600 revoked in each, outcomes 600, nothing live after', async () => {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    await stores.table.put(Array.from({ length: 600 }, (_, i) => sentinelItem({ seconds: s - 3000 + i }, { user: 'zed' })));
    const web = Array.from({ length: 600 }, (_, i) => webSession('u-zed', now, { ageMs: 60_000 + i, fields: { email: 'zed@corp.example' } }));
    await writeWebSessions(stores.redisClient(), web, now);
    const person = 'zed@corp.example';
    const found = await find(person, [stores.ids.sentinel, stores.ids.web]);
    for (const g of found.groups) {
      expect(g).toMatchObject({ state: 'found', counts: { active: 600 }, more: true });
      expect(g.sessions.length).toBe(MAX_PERSON_SESSIONS);
    }
    const report = await revoke({ person, targets: found.groups.map(everyLive), reasonCode: 'credential_compromise', ticket: 'INC-600' });
    for (const g of report.groups) {
      expect(g.state).toBe('done');
      expect(g.results.length).toBe(600);
      expect(g.results.every((r) => r.outcome === 'revoked')).toBe(true);
      expect(g.beyondConfirmed).toBeUndefined();
    }
    expect(new Set(report.groups[1]?.results.map((r) => r.id))).toEqual(new Set(web.map((w) => w.id)));
    const after = await find(person, [stores.ids.sentinel, stores.ids.web]);
    expect(after.groups.map((g) => [g.counts.active, g.counts.revoked])).toEqual([
      [0, 600],
      [0, 600],
    ]);
  });

  it('a session begun after the search is revoked too, and said (beyond the count confirmed); someone else\'s id is still refused', async () => {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    await stores.table.put(Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: s - 100 + i }, { user: 'yan' })));
    const found = await find('yan', [stores.ids.sentinel]);
    const group = found.groups[0] as PersonGroup;
    expect(group.counts.active).toBe(3);
    const late = sentinelItem({ seconds: s }, { user: 'yan' });
    const stranger = sentinelItem({ seconds: s }, { user: 'not-yan' });
    await stores.table.put([late, stranger]);
    const refused = await revoke({ person: 'yan', targets: [{ ...everyLive(group), ids: [...everyLive(group).ids, stranger.id] }], reasonCode: 'credential_compromise' });
    expect(refused.groups[0]).toMatchObject({ state: 'refused', results: [] });
    expect(refused.groups[0]?.problem).toMatch(/is not yan's/);
    const report = await revoke({ person: 'yan', targets: [everyLive(group)], reasonCode: 'credential_compromise' });
    expect(report.groups[0]).toMatchObject({ state: 'done', beyondConfirmed: 1 });
    expect(report.groups[0]?.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked', 'revoked', 'revoked']);
    expect(report.groups[0]?.results.map((r) => r.id)).toContain(late.id);
    // Without everyLive (a retry of what failed), only the ids named are touched.
    const more = sentinelItem({ seconds: s + 1 }, { user: 'yan' });
    await stores.table.put([more]);
    const retry = await revoke({ person: 'yan', targets: [{ connection: group.connection.id, fingerprint: group.connection.fingerprint, ids: [late.id] }], reasonCode: 'credential_compromise' });
    expect(retry.groups[0]?.results.map((r) => [r.id, r.outcome])).toEqual([[late.id, 'already_revoked']]);
  });

  it('a session whose expiry passed a moment ago by our clock is revoked too (the store\'s clock may be behind), as revoking all of a user does; one long expired is not touched', async () => {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    const live = sentinelItem({ seconds: s - 600 }, { user: 'vic' });
    // Stored active, past its expiry by 30 s here: within the grace (REVOKE_GRACE_MS, 2 min).
    const justExpired = sentinelItem({ seconds: s - 3600 }, { user: 'vic', expires_at: formatRfc3339Nano(s - 30, 0), ttl: s - 30 });
    const longExpired = sentinelItem({ seconds: s - 7200 }, { user: 'vic', expires_at: formatRfc3339Nano(s - 1800, 0), ttl: s - 1800 });
    await stores.table.put([live, justExpired, longExpired]);
    const found = await find('vic', [stores.ids.sentinel]);
    const group = found.groups[0] as PersonGroup;
    expect(group.counts.active).toBe(1);
    const report = await revoke({ person: 'vic', targets: [everyLive(group)], reasonCode: 'credential_compromise' });
    expect(report.groups[0]?.state).toBe('done');
    expect(new Map(report.groups[0]?.results.map((r) => [r.id, r.outcome]))).toEqual(
      new Map([
        [live.id, 'revoked'],
        [justExpired.id, 'revoked'],
      ]),
    );
    // Not a session begun since the search: nothing beyond what was confirmed.
    expect(report.groups[0]?.beyondConfirmed).toBeUndefined();
    const stored = async (id: string) => (await stores.table.client.send(new GetCommand({ TableName: stores.table.name, Key: { id } }))).Item?.status;
    expect(await stored(justExpired.id)).toBe('revoked');
    expect(await stored(longExpired.id)).toBe('active');
  });

  it('a revoked PostgreSQL session is reported under the e-mail the connection names the person by, in the result and in the incident', async () => {
    const userId = await insertUser(stores.db.admin, 'Quinn.Case@Corp.Example');
    const seeded = await insertSessions(stores.db.admin, [{ userId }, { userId }]);
    const person = 'quinn.case@corp.example';
    const found = await find(person, [stores.ids.postgres]);
    const report = await revoke({ person, targets: found.groups.map(everyLive), reasonCode: 'credential_compromise', incident: 'INC-PG-1' });
    expect(report.groups[0]?.state).toBe('done');
    expect(report.groups[0]?.results.map((r) => r.user)).toEqual(['Quinn.Case@Corp.Example', 'Quinn.Case@Corp.Example']);
    for (const x of seeded) expect((await storedRow(stores.db.admin, x.id)).revoked).toBe(true);
    const view = (await stores.call('incidents:get', { incident: 'INC-PG-1' })) as unknown as IncidentView;
    expect(view.revoked.map((r) => r.user)).toEqual(['Quinn.Case@Corp.Example', 'Quinn.Case@Corp.Example']);
    expect(view.revoked.some((r) => r.user === userId)).toBe(false);
  });
});
