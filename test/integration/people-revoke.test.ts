import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PeopleFindResponse, PeopleRevokeResponse, PersonGroup } from '../../src-shared/people';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerEntry } from '../../src-main/ledger/ledger-entry';
import { storedRow } from '../fixtures/postgres-sessions';
import { createSentinelTable } from '../fixtures/sentinel-table';
import { revocationState, writeWebSessions } from '../fixtures/web-sessions';
import { startPeopleStores, type PeopleStores } from './people-stores';

/**
 * people:revoke over the app's handler table on three real stores at once: each connection's
 * sessions revoked through its own revoker and ledger; a changed connection and a read-only one
 * refused for their group while the others revoke; a store down during the revocation fails its
 * group with why, and retrying only that group completes it; one evidence CSV over every run.
 */
describe('people:revoke across Sentinel, web Redis and PostgreSQL', () => {
  let stores: PeopleStores;
  const saved: string[] = [];

  beforeAll(async () => {
    stores = await startPeopleStores({ timeoutMs: 5_000, chooseSavePath: async (name) => { const path = join(stores.dir.path, name); saved.push(path); return path; } });
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  const dataDir = () => join(stores.dir.path, 'app');
  const find = async (person: string, connections: string[]) => (await stores.call('people:find', { person, connections })) as unknown as PeopleFindResponse;
  const revoke = async (payload: Record<string, unknown>) => (await stores.call('people:revoke', payload)) as unknown as PeopleRevokeResponse;
  const all = () => [stores.ids.sentinel, stores.ids.web, stores.ids.postgres];
  /** What the analyst confirms: each group's live sessions and fingerprint. */
  const targetsOf = (found: PeopleFindResponse) =>
    found.groups.filter((g) => g.counts.active > 0).map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((s) => s.status === 'active').map((s) => s.id) }));
  const ledgerEntries = async () => {
    const entries: LedgerEntry[] = [];
    for await (const e of new Ledger(join(dataDir(), 'ledger.jsonl')).entries()) entries.push(e);
    return entries;
  };

  it('revokes the person everywhere, each connection in its own ledger; a new search finds nothing live, Sentinel credentials still open', async () => {
    const seed = await stores.seedAlice('alice');
    const person = 'alice@corp.example';
    const found = await find(person, all());
    const report = await revoke({ person, targets: targetsOf(found), reasonCode: 'credential_compromise', note: 'odd location', ticket: 'INC-7' });
    expect(report.groups.map((g) => [g.connection.name, g.state])).toEqual([
      ['sentinel-prod', 'done'],
      ['web-redis', 'done'],
      ['shop-db', 'done'],
    ]);
    expect(report.groups.map((g) => g.results.map((r) => r.outcome))).toEqual([
      ['revoked', 'revoked'],
      ['revoked', 'revoked'],
      ['revoked', 'revoked', 'revoked'],
    ]);
    // The stores say so: Sentinel's status, the web app's three keys, PostgreSQL's row.
    const web = stores.redisClient();
    for (const s of seed.web.live) expect(await revocationState(web, s)).toBe('revoked');
    for (const s of seed.postgres.live) expect((await storedRow(stores.db.admin, s.id)).revoked).toBe(true);

    // Each connection's run is in the ledger under its own name, with the reason, note and ticket.
    const entries = await ledgerEntries();
    for (const group of report.groups) {
      const outcomes = entries.filter((e) => e.kind === 'outcome' && e.run === group.run);
      expect(outcomes.length).toBe(group.results.length);
      expect(new Set(outcomes.map((e) => e.connection))).toEqual(new Set([group.connection.name]));
      expect(outcomes.every((e) => e.reasonCode === 'credential_compromise' && e.ticket === 'INC-7' && e.note === 'odd location')).toBe(true);
    }

    const after = await find(person, all());
    const [sentinel, redisGroup, postgres] = after.groups as [PersonGroup, PersonGroup, PersonGroup];
    expect(sentinel).toMatchObject({ counts: { active: 0, revoked: 3, expired: 1 }, exposure: { live: false } });
    // Credentials Sentinel handed out before the revocation work for their lifetime after it.
    expect(Date.parse(sentinel.exposure.until ?? '')).toBeGreaterThan(Date.now());
    // The web app forgets a revoked session's user index: this desk's ledger still finds them.
    expect(redisGroup).toMatchObject({ counts: { active: 0, revoked: 2 }, exposure: { live: false, until: null } });
    expect(postgres).toMatchObject({ counts: { active: 0, revoked: 4 }, exposure: { live: false, until: null } });

    // One evidence CSV over the three connections' runs, each row naming its connection.
    const evidence = await stores.call('people:evidence', { runs: report.groups.map((g) => ({ connection: g.connection.id, run: g.run })) });
    expect(evidence).toMatchObject({ saved: true, rows: 7 });
    const csv = await readFile(saved.at(-1) ?? '', 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toContain('connection');
    expect(lines.length).toBe(8);
    for (const name of ['sentinel-prod', 'web-redis', 'shop-db']) expect(lines.filter((l) => l.includes(name)).length).toBeGreaterThan(0);
  });

  it('refuses the group of a connection changed since the search, and of a read-only one; the others revoke', async () => {
    await stores.seedAlice('carol');
    const person = 'carol@corp.example';
    const auditor = await stores.save({ name: 'sentinel-audit', environment: 'production', colour: 'red', readOnly: true, store: { kind: 'dynamodb', region: 'local', table: stores.table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' } } });
    const found = await find(person, [...all(), auditor]);
    expect(found.groups[3]).toMatchObject({ state: 'found', connection: { readOnly: true }, counts: { active: 2 } });
    // Someone edits the web connection in Connections after the search.
    const web = (await stores.manager.list()).connections.find((c) => c.id === stores.ids.web);
    await stores.manager.save({ id: stores.ids.web, name: 'web-redis', environment: 'staging-eu', colour: 'amber', readOnly: false, store: web?.store as never });

    const targets = targetsOf(found);
    const report = await revoke({ person, targets, reasonCode: 'credential_compromise' });
    const states = Object.fromEntries(report.groups.map((g) => [g.connection.name, g.state]));
    expect(states).toEqual({ 'sentinel-prod': 'done', 'web-redis': 'refused', 'shop-db': 'done', 'sentinel-audit': 'refused' });
    const byName = Object.fromEntries(report.groups.map((g) => [g.connection.name, g]));
    expect(byName['web-redis']?.problem).toMatch(/changed in Connections/);
    expect(byName['sentinel-audit']?.problem).toMatch(/read-only/);
    expect(byName['web-redis']?.results).toEqual([]);
    // Nothing revoked where refused.
    const again = await find(person, [stores.ids.web]);
    expect(again.groups[0]?.counts.active).toBe(2);
  });

  it('the active connection edited to point elsewhere: search and revocation go where it now points, never through the old opening', async () => {
    await stores.seedAlice('dora');
    const person = 'dora@corp.example';
    await stores.call('connections:switch', { id: stores.ids.sentinel });
    const before = await find(person, [stores.ids.sentinel]);
    expect(before.groups[0]).toMatchObject({ state: 'found', counts: { active: 2 } });
    // Someone points the active Sentinel connection at another (empty) table and calls it staging; no switch happens.
    const other = await createSentinelTable(inject('dynamoEndpoint'));
    const sentinel = (await stores.manager.list()).connections.find((c) => c.id === stores.ids.sentinel);
    const original = sentinel?.store as Extract<NonNullable<typeof sentinel>['store'], { kind: 'dynamodb' }>;
    try {
      const store = { ...original, table: other.name };
      await stores.manager.save({ id: stores.ids.sentinel, name: 'sentinel-prod', environment: 'staging', colour: 'amber', readOnly: false, store });
      const after = await find(person, [stores.ids.sentinel]);
      // The heading says staging, and the search was made there: dora has no session in the new table.
      expect(after.groups[0]).toMatchObject({ state: 'none', connection: { environment: 'staging', production: false }, counts: { active: 0 } });
      // A revocation confirmed against the new heading with the old search's ids touches nothing in the old table.
      const report = await revoke({ person, targets: [{ connection: stores.ids.sentinel, fingerprint: after.groups[0]?.connection.fingerprint, ids: before.groups[0]?.sessions.filter((x) => x.status === 'active').map((x) => x.id) }], reasonCode: 'credential_compromise' });
      expect(report.groups[0]?.results.every((r) => r.outcome !== 'revoked')).toBe(true);
      const stillLive = await stores.table.store().query({ status: 'active', user: 'dora', limit: 10 });
      expect(stillLive.sessions).toHaveLength(2);
    } finally {
      await stores.manager.save({ id: stores.ids.sentinel, name: 'sentinel-prod', environment: 'production', colour: 'red', readOnly: false, store: original });
      await other.drop();
    }
  });

  it('a store down during the revocation fails its group with why, the others complete; retrying only that group completes it', async () => {
    const seed = await stores.seedAlice('dave');
    const person = 'dave@corp.example';
    const found = await find(person, all());
    const targets = targetsOf(found);
    await stores.stopRedis();
    let report: PeopleRevokeResponse;
    try {
      report = await revoke({ person, targets, reasonCode: 'offboarding', ticket: 'HR-9' });
    } finally {
      await stores.restartRedis();
    }
    const states = report.groups.map((g) => [g.connection.name, g.state]);
    expect(states).toEqual([
      ['sentinel-prod', 'done'],
      ['web-redis', 'failed'],
      ['shop-db', 'done'],
    ]);
    expect(report.groups[1]?.problem).toMatch(/ECONNREFUSED|refused|down|could not be used/);
    // The server is back with its sessions (as a persisted one would be): retry only what failed.
    const web = stores.redisClient();
    await writeWebSessions(web, seed.web.live, Date.now());
    const retry = await revoke({ person, targets: targets.filter((t) => t.connection === stores.ids.web), reasonCode: 'offboarding', ticket: 'HR-9' });
    expect(retry.groups.map((g) => [g.connection.name, g.state])).toEqual([['web-redis', 'done']]);
    expect(retry.groups[0]?.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked']);
    for (const s of seed.web.live) expect(await revocationState(web, s)).toBe('revoked');
  });

  it("refuses a group whose confirmed ids include someone else's session", async () => {
    const seed = await stores.seedAlice('erin');
    const found = await find('erin@corp.example', [stores.ids.postgres]);
    const target = targetsOf(found)[0];
    const report = await revoke({ person: 'erin@corp.example', targets: [{ ...target, ids: [...(target?.ids ?? []), ...seed.postgres.others.map((s) => s.id)] }], reasonCode: 'credential_compromise' });
    expect(report.groups[0]).toMatchObject({ state: 'refused', results: [] });
    expect(report.groups[0]?.problem).toMatch(/is not erin@corp.example's/);
    for (const s of seed.postgres.live) expect((await storedRow(stores.db.admin, s.id)).revoked).toBe(false);
  });
});
