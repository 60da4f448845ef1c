import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentSummary, IncidentView, PeopleFindResponse, PeopleRevokeResponse } from '../../src-shared/people';
import { withFileLock } from '../../src-main/ledger/file-lock';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { startPeopleStores, type PeopleStores } from './people-stores';

/**
 * Incidents over the app's handler table on three real stores: a revoke-everywhere with an
 * incident reference records its runs on it; incidents:get searches the pinned connections again,
 * reads what was revoked where from the ledger, and shows use after revocation the watch saw (the
 * active connection's); the export is one file with a manifest whose hash is the file's.
 */
describe('incidents: pin, list, get and export', () => {
  let stores: PeopleStores;
  const saved: string[] = [];

  beforeAll(async () => {
    stores = await startPeopleStores({
      timeoutMs: 5_000,
      watchPeriodMs: 200,
      chooseSavePath: async (name) => {
        const path = join(stores.dir.path, name);
        saved.push(path);
        return path;
      },
    });
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  const all = () => [stores.ids.sentinel, stores.ids.web, stores.ids.postgres];

  it('records a revocation on its incident; get shows what was revoked where, what is still open, and use after revocation; export bundles it', async () => {
    const seed = await stores.seedAlice('frank');
    const person = 'frank@corp.example';
    // The Sentinel connection is the active one: its workspace is reused, and its watch runs.
    await stores.call('connections:switch', { id: stores.ids.sentinel });
    const pinned = (await stores.call('incidents:pin', { incident: 'INC-42', person, connections: all(), note: 'odd location' })) as unknown as IncidentSummary;
    expect(pinned).toMatchObject({ incident: 'INC-42', person, connections: all(), runs: [], note: 'odd location' });

    const found = (await stores.call('people:find', { person, connections: all() })) as unknown as PeopleFindResponse;
    // Everything but one PostgreSQL session: that one stays open.
    const targets = found.groups.map((g) => {
      const live = g.sessions.filter((s) => s.status === 'active').map((s) => s.id);
      return { connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.connection.kind === 'postgres' ? live.slice(1) : live };
    });
    const report = (await stores.call('people:revoke', { person, targets, reasonCode: 'credential_compromise', incident: 'INC-42' })) as unknown as PeopleRevokeResponse;
    expect(report.incident).toBe('INC-42');
    expect(report.groups.every((g) => g.state === 'done')).toBe(true);

    const listed = (await stores.call('incidents:list')) as unknown as { incidents: IncidentSummary[] };
    const incident = listed.incidents.find((i) => i.incident === 'INC-42');
    expect(new Set(incident?.runs.map((r) => r.run))).toEqual(new Set(report.groups.map((g) => g.run)));

    // A Sentinel server that fails open keeps serving one revoked session.
    const used = seed.sentinel.active[0]?.id ?? '';
    const now = Date.now();
    await stores.table.client.send(
      new UpdateCommand({
        TableName: stores.table.name,
        Key: { id: used },
        UpdateExpression: 'SET last_access_at = :t, request_count = request_count + :n, updated_at = :t',
        ExpressionAttributeValues: { ':t': formatRfc3339Nano(Math.floor(now / 1000) + 1, 0), ':n': 3 },
      }),
    );
    let view: IncidentView;
    do view = (await stores.call('incidents:get', { incident: 'INC-42' })) as unknown as IncidentView;
    while (view.alarms.length === 0);
    expect(view.alarms[0]).toMatchObject({ connection: 'sentinel-prod', sessionId: used });

    expect(view.revoked.length).toBe(6);
    expect(view.revoked.every((r) => r.outcome === 'revoked')).toBe(true);
    expect(new Set(view.revoked.map((r) => r.connection))).toEqual(new Set(['sentinel-prod', 'web-redis', 'shop-db']));
    expect(view.now.groups.map((g) => [g.connection.name, g.counts.active])).toEqual([
      ['sentinel-prod', 0],
      ['web-redis', 0],
      ['shop-db', 1],
    ]);

    const exported = await stores.call('incidents:export', { incident: 'INC-42', format: 'csv' });
    expect(exported).toMatchObject({ saved: true, files: ['incident-INC-42.csv', 'incident-INC-42.csv.manifest.json'] });
    const csv = await readFile(join(stores.dir.path, 'incident-INC-42.csv'), 'utf8');
    const manifest = JSON.parse(await readFile(join(stores.dir.path, 'incident-INC-42.csv.manifest.json'), 'utf8')) as { sha256: string; rows: number; incident: string; person: string };
    expect(manifest).toMatchObject({ incident: 'INC-42', person, rows: exported.rows });
    expect(createHash('sha256').update(csv).digest('hex')).toBe(manifest.sha256);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('record,connection,session_id,user,state,at,detail');
    // 3 groups, 1 still open, 6 revoked, at least 1 alarm.
    expect(lines.filter((l) => l.startsWith('group,')).length).toBe(3);
    expect(lines.filter((l) => l.startsWith('open,')).length).toBe(1);
    expect(lines.filter((l) => l.startsWith('revoked,')).length).toBe(6);
    expect(lines.filter((l) => l.startsWith('alarm,')).length).toBeGreaterThan(0);

    const json = await stores.call('incidents:export', { incident: 'INC-42', format: 'json' });
    const rows = JSON.parse(await readFile(join(stores.dir.path, 'incident-INC-42.json'), 'utf8')) as { record: string }[];
    expect(rows.length).toBe(json.rows);
  });

  it('refuses pinning a reference to a second person, and an incident that was never pinned', async () => {
    await stores.call('incidents:pin', { incident: 'INC-43', person: 'gail@corp.example', connections: [stores.ids.web] });
    expect((await stores.fails('incidents:pin', { incident: 'INC-43', person: 'hank@corp.example', connections: [stores.ids.web] })).code).toBe('VALIDATION');
    expect((await stores.fails('incidents:get', { incident: 'INC-404' })).code).toBe('VALIDATION');

    // Nor can a revocation of hank be filed under gail's incident: refused before anything is revoked.
    await stores.seedAlice('hank');
    const found = (await stores.call('people:find', { person: 'hank@corp.example', connections: all() })) as unknown as PeopleFindResponse;
    const targets = found.groups.map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((x) => x.status === 'active').map((x) => x.id) }));
    const refused = await stores.fails('people:revoke', { person: 'hank@corp.example', targets, reasonCode: 'credential_compromise', incident: 'INC-43' });
    expect(refused).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('pinned to gail@corp.example') });
    const again = (await stores.call('people:find', { person: 'hank@corp.example', connections: all() })) as unknown as PeopleFindResponse;
    expect(again.groups.map((g) => g.counts.revoked)).toEqual(found.groups.map((g) => g.counts.revoked));
  });

  it('carries the incident into each connection\'s ledger: as the ticket, or at the head of the note beside another ticket', async () => {
    await stores.seedAlice('ivy');
    const person = 'ivy@corp.example';
    const found = (await stores.call('people:find', { person, connections: all() })) as unknown as PeopleFindResponse;
    const targets = found.groups.map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((x) => x.status === 'active').map((x) => x.id) }));
    const report = (await stores.call('people:revoke', { person, targets, reasonCode: 'credential_compromise', incident: 'INC-44', ticket: 'SEC-9', note: 'odd place' })) as unknown as PeopleRevokeResponse;
    expect(report.groups.every((g) => g.state === 'done')).toBe(true);
    const rows = (await stores.call('ledger:list', { text: 'INC-44' })) as unknown as { rows: { ticket?: string; note?: string; user: string }[] };
    expect(rows.rows.length).toBeGreaterThan(0);
    expect(rows.rows.every((r) => r.ticket === 'SEC-9' && r.note === 'incident INC-44; odd place')).toBe(true);
  });

  it('incidents.json held by another writer past the check: the revocations stand, and the response says they were not noted on the incident and where they are', async () => {
    await stores.seedAlice('kim');
    const person = 'kim@corp.example';
    const found = (await stores.call('people:find', { person, connections: all() })) as unknown as PeopleFindResponse;
    const targets = found.groups.map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((x) => x.status === 'active').map((x) => x.id) }));
    // Another writer (the command line, say) holds the incidents file's lock: the pin check reads the file and passes; noting the runs waits, then gives up.
    const report = await withFileLock(join(stores.dataDir, 'incidents.json.lock'), async () => (await stores.call('people:revoke', { person, targets, reasonCode: 'credential_compromise', incident: 'INC-46' })) as unknown as PeopleRevokeResponse, 60_000);
    expect(report.groups.map((g) => g.state)).toEqual(['done', 'done', 'done']);
    expect(report.incident).toBe('INC-46');
    expect(report.incidentProblem).toMatch(/^the revocations are done and in each connection's ledger \(ticket INC-46\), but they could not be added to incident INC-46: .*incidents\.json\.lock is held by process \d+/);
    expect(report.incidentProblem).toMatch(/Find them in Audit by searching INC-46/);
    const listed = (await stores.call('incidents:list')) as unknown as { incidents: IncidentSummary[] };
    expect(listed.incidents.find((i) => i.incident === 'INC-46')).toBeUndefined();
    const rows = (await stores.call('ledger:list', { text: 'INC-46' })) as unknown as { rows: unknown[] };
    expect(rows.rows.length).toBe(7);
  }, 60_000);

  it('an incident file that cannot be read refuses a revocation filed under an incident before anything is revoked', async () => {
    await stores.seedAlice('jon');
    const person = 'jon@corp.example';
    const file = join(stores.dataDir, 'incidents.json');
    const kept = await readFile(file, 'utf8').catch(() => null);
    await writeFile(file, '{ not json');
    try {
      const found = (await stores.call('people:find', { person, connections: all() })) as unknown as PeopleFindResponse;
      const targets = found.groups.map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((x) => x.status === 'active').map((x) => x.id) }));
      await stores.fails('people:revoke', { person, targets, reasonCode: 'credential_compromise', incident: 'INC-45' });
      const again = (await stores.call('people:find', { person, connections: all() })) as unknown as PeopleFindResponse;
      expect(again.groups.map((g) => g.counts.active)).toEqual(found.groups.map((g) => g.counts.active));
      expect(found.groups.every((g) => g.counts.active > 0)).toBe(true);
    } finally {
      if (kept !== null) await writeFile(file, kept);
    }
  });
});
