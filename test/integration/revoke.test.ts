import { join } from 'node:path';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { createHandlers } from '../../src-main/handlers';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { previewUsers } from '../../src-main/revocation/revoker';
import { UserDirectory } from '../../src-main/users/user-directory';
import { RevokeUsersRequestSchema } from '../../src-shared/revocation';
import { Ledger } from '../../src-main/ledger/ledger';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = { version: 't', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'test', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:tester' };
const OURS = { url: 'app://warden/index.html', isMainFrame: true };
/** What the dialog sends back: the active workspace's connection id and nonce. */
const CONFIRMED = { id: INFO.connection.id, nonce: INFO.connection.nonce };
const now = () => Math.floor(Date.now() / 1000);

async function ledgerEntries(ledger: Ledger) {
  const all = [];
  for await (const entry of ledger.entries()) all.push(entry);
  return all;
}

describe('revocation against DynamoDB Local', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  let ledger: Ledger;

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeEach(() => {
    ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
  });

  const item = async (id: string) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { id }, ConsistentRead: true }))).Item;

  it('follows the state machine: active → revoked; then already_revoked; expired; not_found', async () => {
    const active = sentinelItem({ seconds: now() - 60 }, { user: 'alice', request_count: 41 });
    const storedExpired = sentinelItem({ seconds: now() - 9 * 3600 }, { status: 'expired', expires_at: formatRfc3339Nano(now() - 3600, 0), ttl: now() - 3600 });
    // Ended ten minutes ago: past the two-minute grace within which a revocation still writes.
    const stale = sentinelItem({ seconds: now() - 9 * 3600 }, { expires_at: formatRfc3339Nano(now() - 600, 0), ttl: now() - 600 });
    await table.put([active, storedExpired, stale]);
    const revoker = table.revoker(dir.path, { ledger, operator: 'local:analyst' });
    const missing = 'ffffffffffff0000';

    const first = await revoker.revokeSessions({ ids: [active.id, storedExpired.id, stale.id, missing], reasonCode: 'credential_compromise', note: 'seen from AS64500', ticket: 'INC-4471' });
    expect(first.results).toEqual([
      { id: active.id, user: 'alice', outcome: 'revoked', credentialsUntil: expect.any(String), closedAt: expect.any(String) },
      { id: storedExpired.id, user: 'alice', outcome: 'expired' },
      { id: stale.id, user: 'alice', outcome: 'expired' },
      { id: missing, user: '', outcome: 'not_found' },
    ]);
    expect(first.operator).toBe('local:analyst');
    // Issued credentials last until 15 minutes after the revocation (a fetch racing it may still be served).
    const credentialsUntil = new Date(Date.parse(String((await item(active.id))?.revoked_at)) + 15 * 60_000).toISOString();
    expect(first.results[0]?.credentialsUntil).toBe(credentialsUntil);
    // Fully closed when the last credential already issued stops working, and the ledger says so.
    expect(first.results[0]?.closedAt).toBe(credentialsUntil);
    expect((await ledgerEntries(ledger)).filter((e) => e.kind === 'outcome' && e.sessionId === active.id).map((e) => e.closedAt)).toEqual([credentialsUntil]);

    const revoked = await item(active.id);
    expect(revoked).toMatchObject({
      status: 'revoked',
      revoked_by: 'local:analyst',
      revoked_reason: 'credential_compromise: seen from AS64500',
      revoked_reason_code: 'credential_compromise',
      revoked_ticket: 'INC-4471',
      request_count: 41,
      user: 'alice',
      last_access_at: active.last_access_at,
    });
    expect(revoked?.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/);
    expect(revoked?.updated_at).toBe(revoked?.revoked_at);
    // Neither expired session was written.
    expect(await item(storedExpired.id)).toEqual(storedExpired);
    expect(await item(stale.id)).toEqual(stale);

    const again = await revoker.revokeSessions({ ids: [active.id], reasonCode: 'offboarding' });
    expect(again.results).toEqual([{ id: active.id, user: 'alice', outcome: 'already_revoked', credentialsUntil, closedAt: credentialsUntil }]);
    expect((await item(active.id))?.revoked_reason).toBe('credential_compromise: seen from AS64500');

    const entries = await ledgerEntries(ledger);
    expect(entries.map((e) => `${e.kind}:${e.sessionId === active.id ? 'A' : e.sessionId}:${e.outcome ?? ''}`).filter((t) => t.includes(':A:'))).toEqual([
      'attempt:A:',
      'outcome:A:revoked',
      'attempt:A:',
      'outcome:A:already_revoked',
    ]);
    const outcome = entries.find((e) => e.kind === 'outcome' && e.outcome === 'revoked');
    expect(outcome).toMatchObject({ operator: 'local:analyst', user: 'alice', reasonCode: 'credential_compromise', note: 'seen from AS64500', ticket: 'INC-4471', revokedAt: revoked?.revoked_at });
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 10 });
  });

  it('revokes every active session of the listed users and names users with none', async () => {
    const bob = Array.from({ length: 7 }, (_, i) => sentinelItem({ seconds: now() - 100 - i }, { user: 'bob.leaver' }));
    const old = sentinelItem({ seconds: now() - 200 }, { user: 'bob.leaver', status: 'revoked', revoked_by: 'x', revoked_reason: 'y' });
    const other = sentinelItem({ seconds: now() - 100 }, { user: 'carol.stays' });
    await table.put([...bob, old, other]);
    const progress: number[] = [];
    const report = await table.revoker(dir.path, { ledger }).revokeUsers(
      { users: ['bob.leaver', 'nobody.here', 'bob.leaver'], reasonCode: 'offboarding', ticket: 'HR-1234' },
      (p) => progress.push(p.done),
    );
    expect(report.results.map((r) => r.outcome)).toEqual(Array(7).fill('revoked'));
    expect(new Set(report.results.map((r) => r.id))).toEqual(new Set(bob.map((b) => b.id)));
    expect(report.usersWithoutActiveSessions).toEqual(['nobody.here']);
    expect(progress.at(-1)).toBe(7);
    expect((await item(other.id))?.status).toBe('active');
    expect((await item(old.id))?.revoked_by).toBe('x');
  });

  it('previews an offboarding list: names matched ignoring case or by e-mail, users without sessions, unknown names with suggestions', async () => {
    const kim = Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: now() - 50 - i }, { user: 'kim.preview' }));
    const lee = sentinelItem({ seconds: now() - 60 }, { user: 'lee.preview', status: 'revoked', revoked_by: 'x', revoked_reason: 'y' });
    await table.put([...kim, lee]);
    const store = table.store();
    const preview = await previewUsers(store, new UserDirectory(store), ['kim.preview', 'lee.preview', 'kim.preveiw', 'kim.preview', 'Kim.Preview', 'kim.preview@example.com']);
    expect(preview).toEqual([
      { requested: 'kim.preview', user: 'kim.preview', activeSessions: 3, more: false, known: true, suggestions: [] },
      { requested: 'lee.preview', user: 'lee.preview', activeSessions: 0, more: false, known: true, suggestions: [] },
      { requested: 'kim.preveiw', user: 'kim.preveiw', activeSessions: 0, more: false, known: false, suggestions: [{ user: 'kim.preview', live: 3, why: 'similar' }] },
      { requested: 'Kim.Preview', user: 'kim.preview', how: 'case', activeSessions: 3, more: false, known: true, suggestions: [] },
      { requested: 'kim.preview@example.com', user: 'kim.preview', how: 'email', activeSessions: 3, more: false, known: true, suggestions: [] },
    ]);
  });

  it('records every requested name of an offboarding run: revoked sessions under the name asked for, nothing live, unknown', async () => {
    const mo = Array.from({ length: 2 }, (_, i) => sentinelItem({ seconds: now() - 70 - i }, { user: 'mo.leaver' }));
    const ned = sentinelItem({ seconds: now() - 80 }, { user: 'ned.leaver', status: 'revoked', revoked_by: 'x', revoked_reason: 'y' });
    await table.put([...mo, ned]);
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const report = await table.revoker(dir.path, { ledger }).revokeUsers({
      users: ['mo.leaver', 'ned.leaver'],
      requested: [
        { name: 'Mo.Leaver', user: 'mo.leaver' },
        { name: 'mo.leaver@example.com', user: 'mo.leaver' },
        { name: 'ned.leaver', user: 'ned.leaver' },
        { name: 'olive.typo', user: null },
      ],
      reasonCode: 'offboarding',
      ticket: 'HR-77',
    });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked']);
    expect(report.usersWithoutActiveSessions).toEqual(['ned.leaver']);
    expect(report.unknownUsers).toEqual(['olive.typo']);
    const outcomes = [];
    for await (const e of ledger.entries()) if (e.kind === 'outcome' && e.run === report.run) outcomes.push(e);
    expect(outcomes.map((e) => [e.user, e.requested ?? null, e.sessionId === '' ? '' : 'session', e.outcome, e.ticket]).sort()).toEqual(
      [
        ['mo.leaver', 'Mo.Leaver, mo.leaver@example.com', 'session', 'revoked', 'HR-77'],
        ['mo.leaver', 'Mo.Leaver, mo.leaver@example.com', 'session', 'revoked', 'HR-77'],
        ['ned.leaver', null, '', 'no_active_sessions', 'HR-77'],
        ['olive.typo', null, '', 'unknown_user', 'HR-77'],
      ].sort(),
    );
    expect(await ledger.verify()).toMatchObject({ ok: true });
  });

  it('refuses a users request that names nobody, or matches a name to a user it does not revoke', () => {
    expect(RevokeUsersRequestSchema.safeParse({ users: [], reasonCode: 'offboarding' }).success).toBe(false);
    expect(RevokeUsersRequestSchema.safeParse({ users: [], requested: [{ name: 'x', user: null }], reasonCode: 'offboarding' }).success).toBe(true);
    expect(RevokeUsersRequestSchema.safeParse({ users: ['a'], requested: [{ name: 'B', user: 'b' }], reasonCode: 'offboarding' }).success).toBe(false);
  });

  it('saves a run as CSV evidence read back from the ledger, escaped against formulas', async () => {
    const hostile = sentinelItem({ seconds: now() - 70 }, { user: '=HYPERLINK("http://evil.example")' });
    const plain = sentinelItem({ seconds: now() - 71 }, { user: 'max.evidence' });
    await table.put([hostile, plain]);
    const report = await table.revoker(dir.path, { ledger }).revokeSessions({ ids: [hostile.id, plain.id, 'ffffffffffff0009'], reasonCode: 'offboarding', ticket: 'HR-42' });
    const { saveRunEvidence } = await import('../../src-main/revocation/evidence');
    const target = join(dir.path, 'evidence.csv');
    const saved = await saveRunEvidence(ledger, [report.run], async () => target);
    expect(saved).toEqual({ saved: true, fileName: 'evidence.csv', rows: 3 });
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(target, 'utf8')).trimEnd().split('\r\n');
    expect(lines[0]).toBe('time,operator,connection,requested_name,user,session_id,reason_code,note,ticket,outcome,blacklist,error,revoked_at,ledger_seq,ledger_hash,fully_closed_at');
    expect(lines.slice(1).map((l) => l.split(',')[9]).sort()).toEqual(['not_found', 'revoked', 'revoked']);
    expect(lines.find((l) => l.includes(hostile.id))).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(await saveRunEvidence(ledger, [report.run], async () => null)).toEqual({ saved: false, rows: 3 });

    // A retry's run in the same file: the outcomes of both, in ledger order; other runs stay out.
    const retry = await table.revoker(dir.path, { ledger }).revokeSessions({ ids: [plain.id], reasonCode: 'offboarding', ticket: 'HR-42' });
    const other = sentinelItem({ seconds: now() - 72 }, { user: 'not.in.this.run' });
    await table.put([other]);
    await table.revoker(dir.path, { ledger }).revokeSessions({ ids: [other.id], reasonCode: 'offboarding' });
    const both = join(dir.path, 'evidence-with-retry.csv');
    expect(await saveRunEvidence(ledger, [report.run, retry.run], async () => both)).toEqual({ saved: true, fileName: 'evidence-with-retry.csv', rows: 4 });
    const rows = (await readFile(both, 'utf8')).trimEnd().split('\r\n').slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[5])).not.toContain(other.id);
    expect(rows.filter((r) => r[5] === plain.id).map((r) => r[9])).toEqual(['revoked', 'already_revoked']);
    const seqs = rows.map((r) => Number(r.at(-2)));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('refuses bad input through the handler table, writing nothing and recording nothing', async () => {
    const target = sentinelItem({ seconds: now() - 30 });
    await table.put([target]);
    const dispatch = createDispatch(table.handlers(dir.path, INFO), { trustedOrigins: ['app://warden'] });
    const connection = CONFIRMED;
    const bad = [
      ['sessions:revoke', { ids: ['revoked:* OR 1=1'], reasonCode: 'offboarding', connection }, 'ids.0'],
      ['sessions:revoke', { ids: [target.id], reasonCode: 'because', connection }, 'reasonCode'],
      ['sessions:revoke', { ids: [target.id], reasonCode: 'other', connection }, 'note'],
      ['sessions:revoke', { ids: [target.id], reasonCode: 'other', note: '   ', connection }, 'note'],
      ['sessions:revoke', { ids: [], reasonCode: 'offboarding', connection }, 'ids'],
      ['sessions:revoke', { ids: [target.id], reasonCode: 'offboarding', connection, revokedBy: 'someone-else' }, ''],
      ['users:revoke', { users: [''], reasonCode: 'offboarding', connection }, 'users.0'],
      ['users:revoke', { users: ['alice'], reasonCode: 'other', connection }, 'note'],
      // The connection it was confirmed for is required, and is an id and a nonce (not a name).
      ['sessions:revoke', { ids: [target.id], reasonCode: 'offboarding' }, 'connection'],
      ['users:revoke', { users: ['alice'], reasonCode: 'offboarding' }, 'connection'],
      ['sessions:revoke', { ids: [target.id], reasonCode: 'offboarding', connection: INFO.connection.name }, 'connection'],
      ['sessions:revoke', { ids: [target.id], reasonCode: 'offboarding', connection: { id: INFO.connection.id } }, 'connection.nonce'],
    ] as const;
    for (const [channel, payload, path] of bad) {
      const result = await dispatch(channel, payload, OURS);
      expect(result, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      if (path && !result.ok) expect(result.error.path?.join('.')).toBe(path);
    }
    expect((await item(target.id))?.status).toBe('active');
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 0 });
  });

  it('refuses a revocation confirmed for another connection than the active one, writing nothing', async () => {
    const target = sentinelItem({ seconds: now() - 33 }, { user: 'switched.away' });
    await table.put([target]);
    const dispatch = createDispatch(table.handlers(dir.path, INFO), { trustedOrigins: ['app://warden'] });
    for (const connection of [
      { id: 'staging', nonce: INFO.connection.nonce },
      { id: INFO.connection.id, nonce: 'an-earlier-opening-of-it-0001' },
    ]) {
      for (const [channel, payload] of [
        ['sessions:revoke', { ids: [target.id], reasonCode: 'offboarding', connection }],
        ['users:revoke', { users: ['switched.away'], reasonCode: 'offboarding', connection }],
      ] as const) {
        const answer = await dispatch(channel, payload, OURS);
        expect(answer).toMatchObject({ ok: false, error: { code: 'CONNECTION_CHANGED', message: expect.stringContaining(`now "${INFO.connection.name}"`) } });
      }
    }
    expect((await item(target.id))?.status).toBe('active');
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 0 });
    // Confirmed for the active one: revoked.
    expect(await dispatch('sessions:revoke', { ids: [target.id], reasonCode: 'offboarding', connection: CONFIRMED }, OURS)).toMatchObject({ ok: true });
  });

  it('on a read-only connection refuses every forged revoke request over IPC, writing nothing', async () => {
    const targets = [sentinelItem({ seconds: now() - 31 }, { user: 'auditor.target' }), sentinelItem({ seconds: now() - 32 }, { user: 'auditor.target' })];
    await table.put(targets);
    const handlers = createHandlers({
      ledgerConnection: 'test',
      store: table.store(),
      revoker: null,
      ledger,
      info: () => ({ ...INFO, connection: { ...INFO.connection, readOnly: true } }),
      chooseSavePath: async () => null,
      notify: () => undefined,
    });
    const dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'] });
    const forged = [
      ['sessions:revoke', { ids: targets.map((t) => t.id), reasonCode: 'security_incident', connection: CONFIRMED }],
      ['users:revoke', { users: ['auditor.target'], reasonCode: 'offboarding', ticket: 'HR-1', connection: CONFIRMED }],
    ] as const;
    for (const [channel, payload] of forged) {
      expect(await dispatch(channel, payload, OURS)).toEqual({ ok: false, error: { code: 'READ_ONLY', message: 'This connection is read-only (auditor mode): revocations are refused.' } });
    }
    // Reading still works; nothing changed in the store or the ledger.
    expect(await dispatch('users:preview', { users: ['auditor.target'] }, OURS)).toMatchObject({ ok: true, value: { users: [{ activeSessions: 2 }] } });
    for (const t of targets) expect((await item(t.id))?.status).toBe('active');
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 0 });
    expect(await dispatch('app:info', undefined, OURS)).toMatchObject({ ok: true, value: { connection: { readOnly: true } } });
  });

  it('never loses a Sentinel update made while revoking 200 live sessions', async () => {
    const sessions = Array.from({ length: 200 }, (_, i) => sentinelItem({ seconds: now() - 300 - i }, { user: 'busy.user', request_count: 0 }));
    await table.put(sessions);
    const increments = new Map(sessions.map((s) => [s.id, 0]));
    let stop = false;
    // Sentinel servers: SET last_access_at, request_count = request_count + 1, updated_at.
    const touch = async (worker: number) => {
      for (let round = 0; !stop; round += 1) {
        const s = sessions[(round * 7 + worker * 13) % sessions.length] as (typeof sessions)[number];
        const stamp = new Date().toISOString();
        await table.client.send(
          new UpdateCommand({
            TableName: table.name,
            Key: { id: s.id },
            UpdateExpression: 'SET last_access_at = :t, request_count = request_count + :one, updated_at = :t',
            ExpressionAttributeValues: { ':t': stamp, ':one': 1 },
          }),
        );
        increments.set(s.id, (increments.get(s.id) ?? 0) + 1);
      }
    };
    const touching = [0, 1, 2, 3].map(touch);
    const report = await table.revoker(dir.path, { ledger }).revokeSessions({ ids: sessions.map((s) => s.id), reasonCode: 'security_incident' });
    stop = true;
    await Promise.all(touching);
    expect(report.results.filter((r) => r.outcome === 'revoked')).toHaveLength(200);
    const total = [...increments.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(50);
    for (const s of sessions) {
      const stored = await item(s.id);
      expect(stored?.status).toBe('revoked');
      expect(stored?.request_count, s.id).toBe(increments.get(s.id));
    }
  });

  it('revokes each of 100 sessions exactly once when two revokers race', async () => {
    const sessions = Array.from({ length: 100 }, (_, i) => sentinelItem({ seconds: now() - 400 - i }, { user: 'raced' }));
    await table.put(sessions);
    const ids = sessions.map((s) => s.id);
    // Two ledgers on one file, as two processes would have.
    const a = table.revoker(dir.path, { ledger: new Ledger(ledger.path), operator: 'local:a' });
    const b = table.revoker(dir.path, { ledger: new Ledger(ledger.path), operator: 'local:b' });
    const [ra, rb] = await Promise.all([
      a.revokeSessions({ ids, reasonCode: 'security_incident' }),
      b.revokeSessions({ ids: [...ids].reverse(), reasonCode: 'security_incident' }),
    ]);
    const outcomes = new Map<string, string[]>();
    for (const r of [...ra.results, ...rb.results]) outcomes.set(r.id, [...(outcomes.get(r.id) ?? []), r.outcome]);
    for (const id of ids) expect(outcomes.get(id)?.sort()).toEqual(['already_revoked', 'revoked']);
    for (const s of sessions) {
      const stored = await item(s.id);
      const winner = ra.results.find((r) => r.id === s.id)?.outcome === 'revoked' ? 'local:a' : 'local:b';
      expect(stored?.revoked_by).toBe(winner);
    }
    const revokedEntries = (await ledgerEntries(ledger)).filter((e) => e.kind === 'outcome' && e.outcome === 'revoked');
    expect(revokedEntries).toHaveLength(100);
    expect(new Set(revokedEntries.map((e) => e.sessionId)).size).toBe(100);
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 400 });
  });
});
