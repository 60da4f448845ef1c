import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { Ledger } from '../../src-main/ledger/ledger';
import { isolatedEnv, runCli, startCli } from '../fixtures/run-cli';
import { startHoldingProxy } from '../fixtures/holding-proxy';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import type { TempDir } from '../fixtures/temp-dir';

const now = () => Math.floor(Date.now() / 1000);

/**
 * `sessions revoke --all-matching`: a profile at the end of its contract, 2,000 sessions over many
 * pages of the store; the dry run's count is the count revoked, and nothing else is touched.
 */
describe('session-warden sessions revoke --all-matching (spawned, DynamoDB Local)', () => {
  let table: TestTable;
  let dir: TempDir;
  let conn: string[];
  let ledgerPath: string;

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeEach(() => {
    ledgerPath = join(dir.path, 'ledger.jsonl');
    conn = ['--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--ledger', ledgerPath];
  });
  const statusOf = async (id: string) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { id }, ConsistentRead: true }))).Item?.status;
  const entries = async () => {
    const all = [];
    for await (const e of new Ledger(ledgerPath).entries()) all.push(e);
    return all.length;
  };

  it('revokes every active session of a profile across pages, exactly as many as the dry run counted', { timeout: 240_000 }, async () => {
    const t = now();
    const users = ['ana', 'ben', 'cy', 'dee', 'eve'];
    const ending = Array.from({ length: 2000 }, (_, i) => sentinelItem({ seconds: t - 10 - (i % 600) }, { user: users[i % users.length] as string, profile: 'contractor-acme' }));
    const others = [
      sentinelItem({ seconds: t - 20 }, { user: 'ana', profile: 'prod-admin' }),
      sentinelItem({ seconds: t - 30 }, { user: 'zed', profile: 'prod-readonly' }),
    ];
    const alreadyRevoked = sentinelItem({ seconds: t - 40 }, { user: 'ben', profile: 'contractor-acme', status: 'revoked', revoked_by: 'someone', revoked_reason: 'earlier' });
    await table.put([...ending, ...others, alreadyRevoked]);

    const dry = await runCli(['sessions', 'revoke', '--all-matching', '--profile', 'contractor-acme', '--dry-run', '--output', 'json', ...conn], isolatedEnv());
    expect(dry.code, dry.stderr).toBe(0);
    const counted = JSON.parse(dry.stdout) as { total: number; byUser: { name: string; count: number }[]; byProfile: { name: string; count: number }[]; ids: string[] };
    expect(counted.total).toBe(2000);
    expect(counted.byUser).toEqual(users.map((name) => ({ name, count: 400 })));
    expect(counted.byProfile).toEqual([{ name: 'contractor-acme', count: 2000 }]);
    expect(new Set(counted.ids)).toEqual(new Set(ending.map((s) => s.id)));
    // A dry run writes nothing: not the store, not the ledger.
    expect(await statusOf(ending[0]?.id as string)).toBe('active');
    expect(await entries()).toBe(0);

    // Above 100 sessions the count must be confirmed; a stale count is refused; nothing is written either way.
    const unconfirmed = await runCli(['sessions', 'revoke', '--all-matching', '--profile', 'contractor-acme', '--reason-code', 'contractor_end', ...conn], isolatedEnv());
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('2000 active sessions match: confirm the count with --expect-count 2000');
    const stale = await runCli(['sessions', 'revoke', '--all-matching', '--profile', 'contractor-acme', '--expect-count', '1999', '--reason-code', 'contractor_end', ...conn], isolatedEnv());
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain('2000 active sessions match now, not the 1999 confirmed: nothing was revoked');
    expect(await entries()).toBe(0);

    const run = await runCli(
      ['sessions', 'revoke', '--all-matching', '--profile', 'contractor-acme', '--expect-count', '2000', '--reason-code', 'contractor_end', '--ticket', 'VND-31', '--output', 'json', ...conn],
      isolatedEnv(),
    );
    expect(run.code, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout) as { id: string; outcome: string }[];
    expect(results).toHaveLength(counted.total);
    expect(results.every((r) => r.outcome === 'revoked')).toBe(true);
    expect(new Set(results.map((r) => r.id))).toEqual(new Set(counted.ids));
    // Attempt and outcome per session; the other profiles' sessions are untouched.
    expect(await entries()).toBe(4000);
    for (const s of others) expect(await statusOf(s.id)).toBe('active');

    const after = await runCli(['sessions', 'revoke', '--all-matching', '--profile', 'contractor-acme', '--dry-run', ...conn], isolatedEnv());
    expect(after.stdout.split('\n')[0]).toMatch(/^0 active sessions match \(dry run: nothing was revoked\)\. Digest [0-9a-f]{64} \(--expect-digest\)\.$/);
  });

  it('on Ctrl-C starts no further session, finishes those under way, prints every session (not attempted ones marked) and exits 1', { timeout: 240_000 }, async () => {
    const t = now();
    const matching = Array.from({ length: 400 }, (_, i) => sentinelItem({ seconds: t - 10 - i }, { user: ['ana', 'ben'][i % 2] as string, profile: 'contractor-cut' }));
    await table.put(matching);
    // The CLI reaches DynamoDB Local through a proxy that lets 50 writes through and holds the rest:
    // the Ctrl-C always lands mid-run.
    const proxy = await startHoldingProxy(Number(new URL(inject('dynamoEndpoint')).port));
    try {
      const held = proxy.holdAfter('UpdateItem', 50);
      const child = startCli(
        ['sessions', 'revoke', '--all-matching', '--profile', 'contractor-cut', '--expect-count', '400', '--reason-code', 'contractor_end', '--output', 'json', '--table', table.name, '--endpoint', proxy.url, '--ledger', ledgerPath],
        isolatedEnv(),
      );
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
      const stopping = new Promise<void>((resolve) =>
        child.stderr?.on('data', (c: Buffer) => {
          stderr += c.toString();
          if (stderr.includes('session-warden: stopping')) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      await Promise.race([held, exited.then(() => Promise.reject(new Error(`the CLI ended before the proxy held a write: ${stderr}`)))]);
      child.kill('SIGINT');
      await stopping;
      proxy.release();
      expect(await exited, stderr).toBe(1);

      const results = JSON.parse(stdout) as { id: string; user: string; outcome: string }[];
      expect(new Set(results.map((r) => r.id))).toEqual(new Set(matching.map((s) => s.id)));
      const revoked = results.filter((r) => r.outcome === 'revoked');
      const notAttempted = results.filter((r) => r.outcome === 'not_attempted');
      expect(revoked.length + notAttempted.length).toBe(400);
      expect(revoked.length).toBeGreaterThanOrEqual(50);
      expect(notAttempted.length).toBeGreaterThan(0);
      expect(stderr).toContain(`session-warden: cancelled: ${revoked.length} session(s) attempted, ${notAttempted.length} not attempted`);
      for (const r of revoked) expect(await statusOf(r.id)).toBe('revoked');
      for (const r of notAttempted) expect(await statusOf(r.id)).toBe('active');
      // The ledger holds an attempt and an outcome for each revoked session, nothing for the rest.
      expect(await entries()).toBe(2 * revoked.length);

      const userOf = new Map(matching.map((s) => [s.id, s.user]));
      for (const r of notAttempted) expect(r.user).toBe(userOf.get(r.id));
      // Counted again, what is left is exactly what was not attempted.
      const rest = await runCli(['sessions', 'revoke', '--all-matching', '--profile', 'contractor-cut', '--dry-run', '--output', 'json', ...conn], isolatedEnv());
      const left = JSON.parse(rest.stdout) as { total: number; digest: string };
      expect(left.total).toBe(notAttempted.length);

      // A second Ctrl-C does not wait for the writes under way: it exits at once, with 130.
      const heldAgain = proxy.holdAfter('UpdateItem', 10);
      const again = startCli(
        ['sessions', 'revoke', '--all-matching', '--profile', 'contractor-cut', '--expect-count', String(left.total), '--expect-digest', left.digest, '--reason-code', 'contractor_end', '--table', table.name, '--endpoint', proxy.url, '--ledger', ledgerPath],
        isolatedEnv(),
      );
      let againErr = '';
      const stoppingAgain = new Promise<void>((resolve) =>
        again.stderr?.on('data', (c: Buffer) => {
          againErr += c.toString();
          if (againErr.includes('session-warden: stopping')) resolve();
        }),
      );
      const exitedAgain = new Promise<number | null>((resolve) => again.once('close', resolve));
      await Promise.race([heldAgain, exitedAgain.then(() => Promise.reject(new Error(`the CLI ended before the proxy held a write: ${againErr}`)))]);
      again.kill('SIGINT');
      await stoppingAgain;
      again.kill('SIGINT');
      expect(await exitedAgain, againErr).toBe(130);
    } finally {
      proxy.release();
      await proxy.close();
    }
  });

  it('refuses what could revoke more than was meant: no filter, ids with a filter, filters without --all-matching', async () => {
    const s = sentinelItem({ seconds: now() - 5 });
    await table.put([s]);
    const cases: [string[], string][] = [
      [['sessions', 'revoke', '--all-matching', '--reason-code', 'offboarding'], 'needs at least one filter'],
      [['sessions', 'revoke', s.id, '--all-matching', '--user', 'alice', '--reason-code', 'offboarding'], 'takes filters, not session ids'],
      [['sessions', 'revoke', s.id, '--user', 'alice', '--reason-code', 'offboarding'], '--user goes with --all-matching'],
      [['sessions', 'revoke', '--all-matching', '--user', 'alice'], '--reason-code is required'],
      [['sessions', 'revoke', '--all-matching', '--user', 'alice', '--expect-count', 'x', '--reason-code', 'offboarding'], '--expect-count must be a whole number'],
    ];
    for (const [args, says] of cases) {
      const result = await runCli([...args, ...conn], isolatedEnv());
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(says);
    }
    expect(await statusOf(s.id)).toBe('active');
    // The dry run's digest names the very sessions counted; another digest is refused, nothing written.
    const dry = await runCli(['sessions', 'revoke', '--all-matching', '--user', 'alice', '--dry-run', '--output', 'json', ...conn], isolatedEnv());
    const { digest } = JSON.parse(dry.stdout) as { digest: string };
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const other = await runCli(['sessions', 'revoke', '--all-matching', '--user', 'alice', '--expect-digest', 'f'.repeat(64), '--reason-code', 'offboarding', ...conn], isolatedEnv());
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('not the ones the dry run counted');
    expect(await statusOf(s.id)).toBe('active');
    // At or below 100 sessions no count is asked for.
    const one = await runCli(['sessions', 'revoke', '--all-matching', '--user', 'alice', '--expect-digest', digest, '--reason-code', 'offboarding', ...conn], isolatedEnv());
    expect(one.code, one.stderr).toBe(0);
    expect(await statusOf(s.id)).toBe('revoked');
  });

  it('on a saved production connection asks for the count however few sessions match, as the app does', async () => {
    const s = sentinelItem({ seconds: now() - 5 }, { user: 'pat', profile: 'prod-admin' });
    await table.put([s]);
    const dataDir = join(dir.path, 'home', 'Session Warden');
    await mkdir(dataDir, { recursive: true });
    const saved = new ConnectionStore(dataDir, new SecretVault(null));
    const store = { kind: 'dynamodb' as const, region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' as const } };
    await saved.save({ name: 'sentinel-prod', environment: 'production', colour: 'red', readOnly: false, store });
    await saved.save({ name: 'sentinel-staging', environment: 'staging', colour: 'amber', readOnly: false, store });
    const env = isolatedEnv({ XDG_CONFIG_HOME: join(dir.path, 'home'), AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
    const ledger = ['--ledger', ledgerPath];

    const unconfirmed = await runCli(['sessions', 'revoke', '--all-matching', '--user', 'pat', '--reason-code', 'offboarding', '--connection', 'sentinel-prod', ...ledger], env);
    expect(unconfirmed.code, unconfirmed.stderr).toBe(2);
    expect(unconfirmed.stderr).toContain('"sentinel-prod" is a production connection: confirm the count with --expect-count 1');
    expect(await statusOf(s.id)).toBe('active');
    expect(await entries()).toBe(0);

    const confirmed = await runCli(['sessions', 'revoke', '--all-matching', '--user', 'pat', '--expect-count', '1', '--reason-code', 'offboarding', '--connection', 'sentinel-prod', ...ledger], env);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(await statusOf(s.id)).toBe('revoked');

    // Outside production one session needs no typed count.
    const t = sentinelItem({ seconds: now() - 5 }, { user: 'quinn', profile: 'dev' });
    await table.put([t]);
    const staging = await runCli(['sessions', 'revoke', '--all-matching', '--user', 'quinn', '--reason-code', 'offboarding', '--connection', 'sentinel-staging', ...ledger], env);
    expect(staging.code, staging.stderr).toBe(0);
    expect(await statusOf(t.id)).toBe('revoked');
  });
});
