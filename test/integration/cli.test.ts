import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { Ledger } from '../../src-main/ledger/ledger';
import { startRedisServer } from '../fixtures/redis-server';
import { runCli } from '../fixtures/run-cli';
import { createSentinelTable, sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';

const now = () => Math.floor(Date.now() / 1000);

describe('the session-warden command line, spawned, against DynamoDB Local', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  let conn: string[];
  let ledgerPath: string;

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeEach(() => {
    ledgerPath = join(dir.path, 'ledger.jsonl');
    conn = ['--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--ledger', ledgerPath];
  });
  const status = async (id: string) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { id }, ConsistentRead: true }))).Item;

  it.each(['', 'sessions list', 'sessions show', 'sessions revoke', 'users revoke', 'ledger verify', 'ledger list'])('prints help for "%s --help"', async (command) => {
    const result = await runCli([...command.split(' ').filter(Boolean), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: session-warden/);
    expect(result.stderr).toBe('');
  });

  it('lists sessions with filters in every output format, cells escaped in CSV', async () => {
    const hostile = sentinelItem({ seconds: now() - 5 }, { user: '=HYPERLINK("http://evil.example","x")', profile: 'cli-profile' });
    const plain = sentinelItem({ seconds: now() - 6 }, { user: 'dana', profile: 'cli-profile' });
    await table.put([hostile, plain]);
    const json = await runCli(['sessions', 'list', '--profile', 'cli-profile', '--output', 'json', ...conn]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).map((s: { id: string }) => s.id)).toEqual([hostile.id, plain.id]);
    const ndjson = await runCli(['sessions', 'list', '--profile', 'cli-profile', '--user', 'dana', '--output', 'ndjson', ...conn]);
    expect(ndjson.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([plain.id]);
    const csv = await runCli(['sessions', 'list', '--profile', 'cli-profile', '--output', 'csv', ...conn]);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,user,profile,status/);
    expect(lines[1]).toContain(`${hostile.id},"'=HYPERLINK(""http://evil.example"",""x"")"`);
    const text = await runCli(['sessions', 'list', '--profile', 'cli-profile', '--since', '1h', ...conn]);
    expect(text.stdout.split('\n')[0]).toMatch(/^ID\s+USER\s+PROFILE\s+STATUS/);
    expect(text.stdout).toContain('dana');
  });

  it('shows one session, and exits 1 for an unknown one', async () => {
    const s = sentinelItem({ seconds: now() - 5 }, { user: 'erin' });
    await table.put([s]);
    const shown = await runCli(['sessions', 'show', s.id, '--output', 'json', ...conn]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: s.id, user: 'erin', status: 'active' });
    const unknown = await runCli(['sessions', 'show', 'abcdefabcdef0000', ...conn]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('revokes by id with JSON output and exit codes 0 (revoked, already revoked) and 1 (not found)', async () => {
    const s = sentinelItem({ seconds: now() - 5 }, { user: 'frank' });
    await table.put([s]);
    const first = await runCli(['sessions', 'revoke', s.id, '--reason-code', 'credential_compromise', '--ticket', 'INC-9', '--output', 'json', ...conn]);
    expect(first.code).toBe(0);
    const stored = await status(s.id);
    // With the exact time issued credentials run out: 15 minutes after the revocation.
    expect(JSON.parse(first.stdout)).toEqual([{ id: s.id, user: 'frank', outcome: 'revoked', credentialsUntil: new Date(Date.parse(String(stored?.revoked_at)) + 15 * 60_000).toISOString() }]);
    expect(stored).toMatchObject({ status: 'revoked', revoked_reason: 'credential_compromise', revoked_ticket: 'INC-9' });
    expect(String(stored?.revoked_by)).toMatch(/^local:/);
    const again = await runCli(['sessions', 'revoke', s.id, '--reason-code', 'credential_compromise', '--output', 'json', ...conn]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)[0].outcome).toBe('already_revoked');
    const missing = await runCli(['sessions', 'revoke', 'abcdefabcdef0001', '--reason-code', 'offboarding', ...conn]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('not_found');
    const verify = await runCli(['ledger', 'verify', '--ledger', ledgerPath]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toBe('ledger intact: 6 entries verified\n');
  });

  it('revokes users from arguments and a file, saying who had no session and which names the store does not know', async () => {
    const g = Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: now() - 5 - i }, { user: 'gina.leaver' }));
    const h = sentinelItem({ seconds: now() - 9 }, { user: 'hank.leaver' });
    // Known to the store, nothing live: truly nothing to revoke.
    const j = sentinelItem({ seconds: now() - 9 }, { user: 'jo.gone', status: 'revoked', revoked_by: 'hr.bot', revoked_reason: 'offboarding' });
    await table.put([...g, h, j]);
    const file = join(dir.path, 'leavers.csv');
    await writeFile(file, '# HR export\nhank.leaver,Hank,2026-11-30\n\nivy.never\njo.gone\n');
    const result = await runCli(['users', 'revoke', 'gina.leaver', '--from-file', file, '--reason-code', 'offboarding', '--ticket', 'HR-1234', '--output', 'json', ...conn]);
    // A name the store has never held is not "nothing to revoke": the run is incomplete.
    expect(result.code).toBe(1);
    const rows = JSON.parse(result.stdout) as { id: string | null; user: string; outcome: string }[];
    const sessions = rows.filter((r) => r.id !== null);
    expect(sessions.map((r) => r.user).sort()).toEqual(['gina.leaver', 'gina.leaver', 'gina.leaver', 'hank.leaver']);
    expect(sessions.every((r) => r.outcome === 'revoked')).toBe(true);
    // Every user with nothing revoked is in the JSON too, never silently left out.
    expect(rows.filter((r) => r.id === null)).toEqual([
      { id: null, user: 'ivy.never', outcome: 'unknown_user', error: 'unknown user: no user of that name has live sessions in this store', suggestions: [] },
      { id: null, user: 'jo.gone', outcome: 'no_active_sessions' },
    ]);
    expect(result.stderr).toBe(
      [
        // How the file was read: the columns it dropped are said, never silently.
        `session-warden: ${file} line 2: first column used: “hank.leaver”; ignored: Hank, 2026-11-30`,
        'session-warden: unknown user "ivy.never": no user of that name has live sessions in this store',
        'session-warden: jo.gone has no active session',
        '',
      ].join('\n'),
    );
  });

  it('says per user when the revocation is fully closed: 15 minutes after it, when the last credential already issued expires', async () => {
    await table.put([sentinelItem({ seconds: now() - 5 }, { user: 'lee.one' }), sentinelItem({ seconds: now() - 6 }, { user: 'max.two' })]);
    const before = Date.now();
    const result = await runCli(['users', 'revoke', 'lee.one', 'max.two', '--reason-code', 'credential_compromise', ...conn]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    const heading = lines.indexOf('Fully closed (the last already-issued credential stops working):');
    expect(heading).toBeGreaterThan(0);
    const closing = lines.slice(heading + 1);
    expect(closing.map((l) => l.replace(/ \d{4}-.*$/, ''))).toEqual(['  lee.one: open until', '  max.two: open until']);
    for (const line of closing) {
      const at = Date.parse(`${(/(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/.exec(line)?.[1] ?? '').replace(' ', 'T')}Z`);
      expect(at - before).toBeGreaterThan(15 * 60_000 - 2_000);
      expect(at - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    }
  });

  it('answers a near-miss name with "unknown user, did you mean …" and a non-zero exit, revoking nothing for it', async () => {
    const k = Array.from({ length: 4 }, (_, i) => sentinelItem({ seconds: now() - 5 - i }, { user: 'kim.near' }));
    await table.put(k);
    for (const typed of ['Kim.Near', 'kim.near@example.com', 'kim.naer']) {
      const result = await runCli(['users', 'revoke', typed, '--reason-code', 'credential_compromise', ...conn]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`session-warden: unknown user "${typed}": did you mean kim.near (4 live)?\n`);
      expect(result.stdout).toContain('unknown_user');
      expect(result.stdout).not.toContain('no session revoked.\n');
    }
    for (const s of k) expect((await status(s.id))?.status).toBe('active');
    const json = await runCli(['users', 'revoke', 'KIM.NEAR', '--reason-code', 'credential_compromise', '--output', 'json', ...conn]);
    expect(JSON.parse(json.stdout)).toEqual([
      { id: null, user: 'KIM.NEAR', outcome: 'unknown_user', error: 'unknown user: did you mean kim.near (4 live)?', suggestions: [{ user: 'kim.near', live: 4 }] },
    ]);
  });

  it.each<[string, string[]]>([
    ['no reason code', ['sessions', 'revoke', 'abcdefabcdef0002']],
    ['an unknown reason code', ['sessions', 'revoke', 'abcdefabcdef0002', '--reason-code', 'boredom']],
    ['"other" without a note', ['sessions', 'revoke', 'abcdefabcdef0002', '--reason-code', 'other']],
    ['a malformed id', ['sessions', 'revoke', 'session:*', '--reason-code', 'offboarding']],
    // Sentinel ids are 16 lowercase hex characters: anything else is a typo or another store's id.
    ['an id that is not a Sentinel id, against a Sentinel table', ['sessions', 'revoke', 'XYZ', '--reason-code', 'offboarding']],
    ['a Sentinel id in upper case', ['sessions', 'revoke', 'ABCDEFABCDEF0002', '--reason-code', 'offboarding']],
    ['a web-session id among Sentinel ids', ['sessions', 'revoke', 'abcdefabcdef0002', 'Xb3kP_q9-Lm2', '--reason-code', 'offboarding']],
    ['an id that is not a Sentinel id, shown from a Sentinel table', ['sessions', 'show', 'XYZ']],
    ['an unknown flag', ['sessions', 'revoke', 'abcdefabcdef0002', '--reason-code', 'offboarding', '--revoked-by', 'mallory']],
    ['a flag of another command', ['sessions', 'revoke', 'abcdefabcdef0002', '--reason-code', 'offboarding', '--status', 'active']],
    ['an unknown command', ['sessions', 'delete']],
    ['a bad output format', ['sessions', 'list', '--output', 'xml']],
    ['a bad limit', ['sessions', 'list', '--limit', '-5']],
    ['a bad time', ['sessions', 'list', '--since', 'yesterday']],
    ['a missing file', ['users', 'revoke', '--from-file', '/nonexistent/list.txt', '--reason-code', 'offboarding']],
    ['a saved connection mixed with flags', ['sessions', 'list', '--connection', 'prod']],
  ])('exits 2 with one line on stderr for %s, writing nothing', async (_label, args) => {
    const result = await runCli([...args, ...conn.filter((a) => !args.includes(a))]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^session-warden: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(ledgerPath)).toBe(false);
  });

  it('refuses a non-Sentinel id for a Sentinel table before it connects: exit 2, not 3 or not_found', async () => {
    // Nothing listens on port 9: reaching for the store would exit 3. Nothing is looked up.
    const result = await runCli(['sessions', 'revoke', 'XYZ', '--reason-code', 'offboarding', '--table', 'x', '--endpoint', 'http://127.0.0.1:9', '--ledger', ledgerPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('session-warden: invalid session id "XYZ": a Sentinel session id is 16 lowercase hex characters (web sessions in Redis: --store redis)\n');
    expect(result.stdout).toBe('');
    expect(existsSync(ledgerPath)).toBe(false);
  });

  it('exits 3 quickly, with one line, when the store cannot be reached', async () => {
    const result = await runCli(['sessions', 'revoke', 'abcdefabcdef0003', '--reason-code', 'offboarding', '--table', 'x', '--endpoint', 'http://127.0.0.1:9', '--ledger', ledgerPath]);
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.ms).toBeLessThan(15_000);
    expect(existsSync(ledgerPath)).toBe(false);
  });

  it('answers within 3 s of work with the blacklist Redis down, marking it pending (exit 4)', async () => {
    const redis = await startRedisServer();
    await redis.stop();
    const s = sentinelItem({ seconds: now() - 5 });
    await table.put([s]);
    const result = await runCli(['sessions', 'revoke', s.id, '--reason-code', 'security_incident', '--blacklist-redis', redis.url, '--output', 'json', ...conn]);
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toEqual([{ id: s.id, user: 'alice', outcome: 'revoked', blacklist: 'pending', credentialsUntil: expect.any(String) }]);
    const { outboxPathFor } = await import('../../src-main/revocation/outbox');
    expect(await readFile(outboxPathFor(dir.path, redis.url), 'utf8')).toContain(s.id);
  });

  it('reports a tampered ledger with exit 1 and the broken entry', async () => {
    const s = sentinelItem({ seconds: now() - 5 });
    await table.put([s]);
    await runCli(['sessions', 'revoke', s.id, '--reason-code', 'offboarding', ...conn]);
    const text = await readFile(ledgerPath, 'utf8');
    await writeFile(ledgerPath, text.replace('"offboarding"', '"user_request"'));
    const result = await runCli(['ledger', 'verify', '--ledger', ledgerPath, '--output', 'json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, brokenAt: 1 });
    const list = await runCli(['ledger', 'list', '--ledger', ledgerPath, '--output', 'json']);
    expect(JSON.parse(list.stdout)).toHaveLength(2);
  });
});

describe('saved connections (--connection NAME)', () => {
  it('uses a connection saved in the data directory, and refuses unknown names, mixed flags and stored passwords', async () => {
    const table = await createSentinelTable(inject('dynamoEndpoint'));
    const home = await tempDir();
    try {
      const s = sentinelItem({ seconds: now() - 5 }, { user: 'saved.conn' });
      await table.put([s]);
      const { mkdir } = await import('node:fs/promises');
      const dataDir = join(home.path, 'Session Warden');
      await mkdir(dataDir, { recursive: true });
      const connections = {
        version: 1,
        connections: [
          { name: 'local-test', table: table.name, endpoint: inject('dynamoEndpoint') },
          { name: 'auditor', table: table.name, endpoint: inject('dynamoEndpoint'), readOnly: true },
          { name: 'leaky', table: table.name, endpoint: inject('dynamoEndpoint'), blacklistRedis: 'redis://ops:hunter2@127.0.0.1:6379' },
          { name: 'sneaky', table: table.name, endpoint: inject('dynamoEndpoint'), blacklistRedis: 'redis://127.0.0.1:6379/0?password=hunter2' },
        ],
      };
      await writeFile(join(dataDir, 'connections.json'), JSON.stringify(connections));
      const { isolatedEnv } = await import('../fixtures/run-cli');
      const env = isolatedEnv({ XDG_CONFIG_HOME: home.path });
      const listed = await runCli(['sessions', 'list', '--connection', 'local-test', '--user', 'saved.conn', '--output', 'json'], env);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout).map((x: { id: string }) => x.id)).toEqual([s.id]);
      const revoked = await runCli(['sessions', 'revoke', s.id, '--connection', 'local-test', '--reason-code', 'offboarding', '--output', 'json'], env);
      expect(JSON.parse(revoked.stdout)[0].outcome).toBe('revoked');
      // The ledger went to the same data directory the app uses.
      expect(existsSync(join(dataDir, 'ledger.jsonl'))).toBe(true);
      // Under the saved connection's name, as the app records it (the activity view counts it).
      expect(await readFile(join(dataDir, 'ledger.jsonl'), 'utf8')).toContain('"connection":"local-test"');
      // A read-only (auditor) connection lists, and refuses to revoke before writing anything.
      const fresh = sentinelItem({ seconds: now() - 6 }, { user: 'saved.conn' });
      await table.put([fresh]);
      const ledgerBefore = await readFile(join(dataDir, 'ledger.jsonl'), 'utf8');
      expect((await runCli(['sessions', 'list', '--connection', 'auditor', '--output', 'json'], env)).code).toBe(0);
      const refused = await runCli(['sessions', 'revoke', fresh.id, '--connection', 'auditor', '--reason-code', 'offboarding'], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('connection "auditor" is read-only');
      expect((await table.client.send(new GetCommand({ TableName: table.name, Key: { id: fresh.id } }))).Item?.status).toBe('active');
      expect(await readFile(join(dataDir, 'ledger.jsonl'), 'utf8')).toBe(ledgerBefore);
      for (const [args, message] of [
        [['--connection', 'nope'], 'no saved connection named "nope" (known: local-test, auditor, leaky, sneaky)'],
        [['--connection', 'sneaky'], 'holds a password'],
        [['--connection', 'local-test', '--table', 'x'], 'use either --connection'],
        [['--connection', 'leaky'], 'holds a password'],
      ] as const) {
        const result = await runCli(['sessions', 'list', ...args], env);
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(message);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).not.toContain('hunter2');
      }
    } finally {
      await table.drop();
      await home.remove();
    }
  });
});

describe('a command line killed (SIGKILL) in the middle of a bulk revoke', () => {
  it('leaves a ledger that verifies and matches the store, and a second run finishes the job', async () => {
    const table = await createSentinelTable(inject('dynamoEndpoint'));
    const dir = await tempDir();
    try {
      const ledgerPath = join(dir.path, 'ledger.jsonl');
      const sessions = Array.from({ length: 400 }, (_, i) => sentinelItem({ seconds: now() - 10 - i }, { user: 'compromised' }));
      await table.put(sessions);
      const conn = ['--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--ledger', ledgerPath];
      const { startCli } = await import('../fixtures/run-cli');
      const child = startCli(['users', 'revoke', 'compromised', '--reason-code', 'credential_compromise', ...conn]);
      const exited = new Promise((r) => child.once('exit', r));
      for (;;) {
        const text = await readFile(ledgerPath, 'utf8').catch(() => '');
        if (text.split('\n').length > 120) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      await exited;

      const ledger = new Ledger(ledgerPath);
      const verify = await ledger.verify();
      expect(verify.ok).toBe(true);
      const attempts = new Map<string, string>();
      const revokedOutcomes = new Set<string>();
      for await (const e of ledger.entries()) {
        if (e.kind === 'attempt') attempts.set(e.sessionId, e.revokedAt as string);
        if (e.kind === 'outcome' && e.outcome === 'revoked') revokedOutcomes.add(e.sessionId);
      }
      let revokedInStore = 0;
      for (const s of sessions) {
        const item = (await table.client.send(new GetCommand({ TableName: table.name, Key: { id: s.id }, ConsistentRead: true }))).Item;
        if (item?.status === 'revoked') {
          revokedInStore += 1;
          // Nothing was revoked that the ledger does not know of, with the same revoked_at.
          expect(attempts.get(s.id)).toBe(item.revoked_at);
        } else {
          expect(revokedOutcomes.has(s.id)).toBe(false);
        }
      }
      for (const id of revokedOutcomes) expect(attempts.has(id)).toBe(true);
      expect(revokedInStore).toBeGreaterThanOrEqual(revokedOutcomes.size);
      expect(revokedInStore).toBeLessThan(400);

      const rerun = await runCli(['users', 'revoke', 'compromised', '--reason-code', 'credential_compromise', '--output', 'json', ...conn]);
      expect(rerun.code).toBe(0);
      expect(JSON.parse(rerun.stdout)).toHaveLength(400 - revokedInStore);
      expect((await ledger.verify()).ok).toBe(true);
    } finally {
      await table.drop();
      await dir.remove();
    }
  });
});
