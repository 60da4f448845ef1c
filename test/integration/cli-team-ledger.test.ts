import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteTableCommand, DescribeContinuousBackupsCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { runCli } from '../fixtures/run-cli';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';

const now = () => Math.floor(Date.now() / 1000);

describe('the command line and the team ledger (spawned, DynamoDB Local)', () => {
  let table: TestTable;
  let dir: TempDir;
  let other: TempDir;
  let conn: string[];
  const base = () => localDynamoClient(inject('dynamoEndpoint'));
  const ledgerTable = () => `${table.name}-revocations`;

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeEach(async () => {
    other = await tempDir();
    conn = ['--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--ledger', join(dir.path, 'ledger.jsonl')];
  });
  afterEach(async () => {
    await base().send(new DeleteTableCommand({ TableName: ledgerTable() })).catch(() => undefined);
    await other.remove();
  });

  it('ledger init creates <table>-revocations on demand, and says plainly that point-in-time recovery could not be enabled', async () => {
    const made = await runCli(['ledger', 'init', '--output', 'json', ...conn]);
    // DynamoDB Local has no continuous backups: the table is made, the missing recovery is said, exit 1.
    expect(made.code).toBe(1);
    expect(JSON.parse(made.stdout)).toEqual({
      kind: 'dynamodb',
      name: ledgerTable(),
      created: true,
      durability: 'point-in-time recovery NOT enabled',
      detail: expect.stringMatching(/^UnknownOperationException/),
    });
    expect(made.stderr).toMatch(/point-in-time recovery is not enabled on .+-revocations: UnknownOperationException/);
    await expect(base().send(new DescribeContinuousBackupsCommand({ TableName: ledgerTable() }))).rejects.toThrow();
    const described = await base().send(new DescribeTableCommand({ TableName: ledgerTable() }));
    expect(described.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(described.Table?.KeySchema).toEqual([
      { AttributeName: 'ledger', KeyType: 'HASH' },
      { AttributeName: 'seq', KeyType: 'RANGE' },
    ]);
    const again = await runCli(['ledger', 'init', ...conn]);
    expect(again.stdout).toBe(`team ledger table ${ledgerTable()} already exists; point-in-time recovery NOT enabled\n`);
    const named = await runCli(['ledger', 'init', '--team-ledger', `${table.name}-audit`, '--output', 'json', ...conn]);
    expect(JSON.parse(named.stdout)).toMatchObject({ name: `${table.name}-audit`, created: true });
    await base().send(new DeleteTableCommand({ TableName: `${table.name}-audit` }));
  });

  it('revokes into the team ledger; deleting both local files (the attack that once read "intact: 0 entries") is found', async () => {
    await runCli(['ledger', 'init', ...conn]);
    const items = [sentinelItem({ seconds: now() - 5 }, { user: 'mallory' }), sentinelItem({ seconds: now() - 6 }, { user: 'mallory' })];
    await table.put(items);
    const revoked = await runCli(['users', 'revoke', 'mallory', '--reason-code', 'security_incident', '--ticket', 'SEC-9', '--team-ledger', ledgerTable(), ...conn]);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toBe('');
    const team = ['--team-ledger', ledgerTable(), ...conn];
    const verified = await runCli(['ledger', 'verify', ...team]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ledger intact: 4 entries verified\nteam ledger \(DynamoDB table .+-revocations\) intact: 4 entries, read in full \(4 entries\); this desk's entries all present\n$/);
    const listed = await runCli(['ledger', 'list', '--output', 'json', ...team]);
    const entries = JSON.parse(listed.stdout) as { seq: number; device: string; entry: { seq: number; ticket?: string; user: string; principal?: unknown } }[];
    expect(entries.map((e) => [e.seq, e.entry.seq, e.entry.user, e.entry.ticket])).toEqual([
      [1, 1, 'mallory', 'SEC-9'],
      [2, 2, 'mallory', 'SEC-9'],
      [3, 3, 'mallory', 'SEC-9'],
      [4, 4, 'mallory', 'SEC-9'],
    ]);
    expect(entries[0]?.entry.principal).toEqual({ type: 'local', osUser: expect.any(String) });

    // The attack: both local files deleted. The local ledger alone says nothing is wrong.
    await rm(join(dir.path, 'ledger.jsonl'));
    await rm(join(dir.path, 'ledger.jsonl.head'));
    const alone = await runCli(['ledger', 'verify', '--ledger', join(dir.path, 'ledger.jsonl')]);
    expect(alone).toMatchObject({ code: 0, stdout: 'ledger intact: 0 entries verified\n' });
    const found = await runCli(['ledger', 'verify', ...team]);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/team ledger \(.+\) BROKEN at entry 4: this desk's local entry 4, which the team ledger holds, is missing from the local ledger/);
    // A full re-read says where the first missing entry is.
    const full = await runCli(['ledger', 'verify', '--full', '--output', 'json', ...team]);
    expect(full.code).toBe(1);
    expect(JSON.parse(full.stdout)).toMatchObject({ ok: false, team: { ok: false, brokenAt: 1, full: true } });
  });

  it('the local ledger truncated with a matching head: found by the team ledger', async () => {
    await runCli(['ledger', 'init', ...conn]);
    await table.put([1, 2, 3].map((i) => sentinelItem({ seconds: now() - i }, { user: 'trent' })));
    const team = ['--team-ledger', ledgerTable(), ...conn];
    expect((await runCli(['users', 'revoke', 'trent', '--reason-code', 'offboarding', ...team])).code).toBe(0);
    const path = join(dir.path, 'ledger.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n').slice(0, 2);
    await writeFile(path, `${lines.join('\n')}\n`);
    const last = JSON.parse(lines[1] ?? '') as { seq: number; hash: string };
    await writeFile(`${path}.head`, JSON.stringify({ seq: last.seq, hash: last.hash }));
    const found = await runCli(['ledger', 'verify', '--full', ...team]);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/ledger intact: 2 entries verified\nteam ledger \(.+\) BROKEN at entry 3: carries this desk's local entry 3, which the local ledger does not have/);
  });

  it('a team ledger that is not there: the revocation stands, the entries wait and are said on stderr; exit 3 for verify', async () => {
    const s = sentinelItem({ seconds: now() - 5 }, { user: 'victor' });
    await table.put([s]);
    const team = ['--team-ledger', ledgerTable(), ...conn];
    const revoked = await runCli(['sessions', 'revoke', s.id, '--reason-code', 'offboarding', ...team]);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toMatch(/2 ledger entries are not on the team ledger \(DynamoDB table .+\) yet: the team ledger table ".+" does not exist: create it with `session-warden ledger init`.*; kept in the local ledger/);
    const verify = await runCli(['ledger', 'verify', ...team]);
    expect(verify.code).toBe(3);
    await runCli(['ledger', 'init', ...conn]);
    // The next command delivers what an earlier one left.
    const s2 = sentinelItem({ seconds: now() - 6 }, { user: 'victor' });
    await table.put([s2]);
    const next = await runCli(['sessions', 'revoke', s2.id, '--reason-code', 'offboarding', ...team]);
    expect(next).toMatchObject({ code: 0, stderr: '' });
    expect(await runCli(['ledger', 'verify', '--output', 'json', ...team])).toMatchObject({ code: 0 });
    const listed = JSON.parse((await runCli(['ledger', 'list', '--output', 'json', ...team])).stdout) as unknown[];
    expect(listed).toHaveLength(4);
  });

  it('damage on the team ledger is exit 1 with its place, never "unreachable"; what it quotes cannot drive the terminal', async () => {
    await runCli(['ledger', 'init', ...conn]);
    const team = ['--team-ledger', ledgerTable(), ...conn];
    // An item that is no entry at all, and one with a key made to rewrite the terminal's title.
    const { DynamoDBDocumentClient, PutCommand: DocPut } = await import('@aws-sdk/lib-dynamodb');
    const doc = DynamoDBDocumentClient.from(base());
    await doc.send(new DocPut({ TableName: ledgerTable(), Item: { ledger: 'revocations', seq: 1, hash: 'x', entry: 5 } }));
    const notEntry = await runCli(['ledger', 'verify', '--full', '--output', 'json', ...team]);
    expect(notEntry.code).toBe(1);
    expect(JSON.parse(notEntry.stdout)).toMatchObject({ ok: false, team: { ok: false, brokenAt: 1, reason: expect.stringMatching(/is not an entry/) } });
    await doc.send(new DocPut({ TableName: ledgerTable(), Item: { ledger: 'revocations', seq: 1, hash: 'x', entry: JSON.stringify({ seq: 1, '\u001b]0;PWNED\u0007\u202eevil': 1 }) } }));
    const listed = await runCli(['ledger', 'list', ...team]);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/team ledger BROKEN: entry 1: not a team ledger entry/);
    expect([...listed.stderr].filter((c) => ['\u001b', '\u0007', '\u202e'].includes(c))).toEqual([]);
  });

  it('a desk whose team history lost its end is told, by verify and by the next revocation', async () => {
    await runCli(['ledger', 'init', ...conn]);
    await table.put([sentinelItem({ seconds: now() - 5 }, { user: 'walter' })]);
    const team = ['--team-ledger', ledgerTable(), ...conn];
    await runCli(['users', 'revoke', 'walter', '--reason-code', 'offboarding', ...team]);
    expect((await runCli(['ledger', 'verify', ...team])).code).toBe(0);
    // Someone with write access drops the chain's end.
    const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    await base().send(new DeleteCommand({ TableName: ledgerTable(), Key: { ledger: 'revocations', seq: 2 } }));
    const found = await runCli(['ledger', 'verify', ...team]);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/BROKEN at entry 2: the team ledger no longer has entry 2, which this desk verified at/);
    // Delivery will not chain onto the cut history: the next revocation's entries wait, and it says why.
    const s = sentinelItem({ seconds: now() - 7 }, { user: 'walter' });
    await table.put([s]);
    const next = await runCli(['sessions', 'revoke', s.id, '--reason-code', 'offboarding', ...team]);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/2 ledger entries are not on the team ledger .+ no longer holds entry 2 as this desk read it \(its end was dropped\)/);
  });
});

describe('the command line and a Redis team stream (spawned, redis-server)', () => {
  let redis: RunningRedis;
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
    // Its own directory: turning appendonly on below writes the file there.
    redis = await startRedisServer({ extraArgs: ['--dir', dir.path] });
  });
  afterEach(async () => {
    await redis.stop();
    await dir.remove();
  });

  it('ledger init reports the server persistence; revocations land in session-warden:revocations', async () => {
    const admin = new Redis(redis.url);
    try {
      const conn = ['--store', 'redis', '--redis', redis.url, '--ledger', join(dir.path, 'ledger.jsonl')];
      await admin.config('SET', 'appendonly', 'no');
      await admin.config('SET', 'save', '');
      const unsafe = await runCli(['ledger', 'init', '--output', 'json', ...conn]);
      expect(unsafe.code).toBe(1);
      expect(JSON.parse(unsafe.stdout)).toEqual({ kind: 'redis', name: 'session-warden:revocations', created: false, durability: 'NOT persisted' });
      expect(unsafe.stderr).toMatch(/does not append to a file/);
      await admin.config('SET', 'appendonly', 'yes');
      expect((await runCli(['ledger', 'init', ...conn])).code).toBe(0);

      const nowMs = Date.now();
      const sessions = [webSession('quinn', nowMs), webSession('quinn', nowMs)];
      await writeWebSessions(admin, sessions, nowMs);
      const team = ['--team-ledger', 'session-warden:revocations', ...conn];
      const revoked = await runCli(['users', 'revoke', 'quinn', '--reason-code', 'offboarding', ...team]);
      expect(revoked).toMatchObject({ code: 0, stderr: '' });
      expect((await admin.xrange('session-warden:revocations', '-', '+')).map(([id]) => id)).toEqual(['1-0', '2-0', '3-0', '4-0']);
      expect((await runCli(['ledger', 'verify', ...team])).code).toBe(0);
    } finally {
      admin.disconnect();
    }
  });
});
