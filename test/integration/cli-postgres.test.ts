import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { appAccepts, auditRowsOf, insertSessions, insertUser, storedRow } from '../fixtures/postgres-sessions';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/**
 * `--store postgres --postgres URL`: the web app's sessions table through the same store kind the
 * app opens, the password from PGPASSWORD or ~/.pgpass as libpq takes it, never from a flag.
 */
describe('the command line on the web app\'s PostgreSQL sessions', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let dir: TempDir;

  beforeAll(async () => {
    server = await startPostgresServer();
    db = await server.createDatabase();
    dir = await tempDir();
  });

  afterAll(async () => {
    await db?.drop();
    await server?.stop();
    await dir?.remove();
  });

  const conn = () => ['--store', 'postgres', '--postgres', db.url, '--ledger', join(dir.path, 'ledger.jsonl')];

  it('lists a user\'s sessions and revokes them as the app does (update and audit row), with the password from PGPASSWORD', async () => {
    const user = await insertUser(db.admin, 'lena@example.com');
    const other = await insertUser(db.admin, 'omar@example.com');
    const [a, b] = await insertSessions(db.admin, [{ userId: user, deviceInfo: 'laptop' }, { userId: user, ipAddress: '10.1.2.3' }]);
    const [keep] = await insertSessions(db.admin, [{ userId: other }]);
    if (!a || !b || !keep) throw new Error('seeding failed');
    const env = isolatedEnv({ PGPASSWORD: server.password, XDG_CONFIG_HOME: dir.path });

    const listed = await runCli(['sessions', 'list', '--user', user, '--output', 'json', ...conn()], env);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((s) => s.id).sort()).toEqual([a.id, b.id].sort());

    const revoked = await runCli(['users', 'revoke', user, '--reason-code', 'offboarding', '--ticket', 'HR-9', '--output', 'json', ...conn()], env);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect((JSON.parse(revoked.stdout) as { outcome: string }[]).map((r) => r.outcome)).toEqual(['revoked', 'revoked']);
    for (const s of [a, b]) {
      expect(await appAccepts(db.admin, s.tokenHash)).toBe(false);
      expect((await storedRow(db.admin, s.id)).revoked_reason).toMatch(/^offboarding/);
      expect((await auditRowsOf(db.admin, s.id)).map((r) => r.action)).toEqual(['SESSION_REVOKED']);
    }
    expect(await appAccepts(db.admin, keep.tokenHash)).toBe(true);
    const verify = await runCli(['ledger', 'verify', '--ledger', join(dir.path, 'ledger.jsonl')], env);
    expect(verify.stdout).toContain('ledger intact');
  });

  it('reads the password from ~/.pgpass when PGPASSWORD is not set, and refuses wrong ids and mixed options before connecting', async () => {
    const user = await insertUser(db.admin, 'ria@example.com');
    const [s] = await insertSessions(db.admin, [{ userId: user }]);
    if (!s) throw new Error('seeding failed');
    const pgpass = join(dir.path, 'pgpass');
    await writeFile(pgpass, `127.0.0.1:${server.port}:*:postgres:${server.password}\n`);
    await chmod(pgpass, 0o600);
    const env = isolatedEnv({ PGPASSFILE: pgpass, XDG_CONFIG_HOME: dir.path });
    const shown = await runCli(['sessions', 'show', s.id, '--output', 'json', ...conn()], env);
    expect(shown.stderr).toBe('');
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: s.id, user, email: 'ria@example.com' });

    const badId = await runCli(['sessions', 'show', 'abc', ...conn()], env);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('a PostgreSQL session id is a UUID');
    const mixed = await runCli(['sessions', 'list', ...conn(), '--table', 'sentinel'], env);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--store postgres takes --postgres');
    const missing = await runCli(['sessions', 'list', '--store', 'postgres'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--postgres URL is required');
  });

  it('lists by --ip (a network or an address), --device and --search; refuses a bad --ip, and a store that does not serve them, with exit 2', async () => {
    const user = await insertUser(db.admin, 'nia@example.com');
    const [phone, office, v6, other] = await insertSessions(db.admin, [
      { userId: user, deviceInfo: 'iPhone 15 (iOS 18)', ipAddress: '10.77.1.5' },
      { userId: user, deviceInfo: 'ThinkPad X1', ipAddress: '10.77.200.9' },
      { userId: user, deviceInfo: 'iPhone 12', ipAddress: '2001:db8:77::1' },
      { userId: user, deviceInfo: 'Pixel 8', ipAddress: '10.78.0.1' },
    ]);
    if (!phone || !office || !v6 || !other) throw new Error('seeding failed');
    const env = isolatedEnv({ PGPASSWORD: server.password, XDG_CONFIG_HOME: dir.path });
    const list = async (...args: string[]) => {
      const run = await runCli(['sessions', 'list', '--user', user, '--output', 'json', ...args, ...conn()], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as { id: string }[]).map((s) => s.id).sort();
    };
    expect(await list('--ip', '10.77.0.0/16')).toEqual([phone.id, office.id].sort());
    expect(await list('--ip', '10.77.1.5')).toEqual([phone.id]);
    expect(await list('--ip', '2001:db8::/32')).toEqual([v6.id]);
    expect(await list('--device', 'IPHONE')).toEqual([phone.id, v6.id].sort());
    expect(await list('--device', 'iphone', '--ip', '10.0.0.0/8')).toEqual([phone.id]);
    expect(await list('--search', 'thinkpad')).toEqual([office.id]);

    const bad = await runCli(['sessions', 'list', '--ip', '10.77.0.0/40', ...conn()], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ip: expected an IP address or network, such as 203.0.113.7, 10.1.0.0/16');
    expect(bad.stdout).toBe('');

    const redis = await runCli(['sessions', 'list', '--device', 'iphone', '--store', 'redis', '--redis', inject('redisUrl'), '--ledger', join(dir.path, 'ledger.jsonl')], env);
    expect(redis.code).toBe(2);
    expect(redis.stderr).toContain('cannot be filtered by device');
    expect(redis.stdout).toBe('');
  });

  it('is exit 3, naming the server without a password, when the password is wrong or nothing answers', async () => {
    const wrong = await runCli(['sessions', 'list', ...conn()], isolatedEnv({ PGPASSWORD: 'not-the-password', XDG_CONFIG_HOME: dir.path }));
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('127.0.0.1');
    expect(wrong.stderr).not.toContain('not-the-password');
    const down = await runCli(['sessions', 'list', '--store', 'postgres', '--postgres', 'postgres://postgres@127.0.0.1:1/app'], isolatedEnv({ PGPASSWORD: 'x', XDG_CONFIG_HOME: dir.path }));
    expect(down.code).toBe(3);
  });
});
