import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { Ledger } from '../../src-main/ledger/ledger';
import type { CanaryReport } from '../../src-main/proof/canary';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/**
 * A protected service as the web app enforces: the session in the bearer token is refused (401)
 * once `revoked:<id>` exists in the blacklist Redis. `broken` forgot the check (always 200);
 * `refusing` refuses everyone (403), so its refusal after a revocation proves nothing.
 */
async function startService(blacklist: Redis, mode: 'enforcing' | 'broken' | 'refusing'): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const id = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      requests.push(id);
      const revoked = mode === 'enforcing' ? (await blacklist.exists(`revoked:${id}`)) === 1 : false;
      res.statusCode = mode === 'refusing' ? 403 : revoked || !id ? 401 : 200;
      res.end();
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/me`, requests, close: () => new Promise((done) => server.close(() => done())) };
}

describe('session-warden canary run (spawned; DynamoDB Local, redis-server and a protected HTTP service)', () => {
  let table: TestTable;
  let dir: TempDir;
  let redis: RunningRedis;
  let blacklist: Redis;
  let conn: string[];
  let ledgerPath: string;

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeAll(async () => {
    redis = await startRedisServer();
    blacklist = new Redis(redis.url);
  });
  afterAll(async () => {
    blacklist?.disconnect();
    await redis?.stop();
  });
  beforeEach(() => {
    ledgerPath = join(dir.path, 'ledger.jsonl');
    conn = ['--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--blacklist-redis', redis.url, '--ledger', ledgerPath];
  });
  const items = async () => (await table.client.send(new ScanCommand({ TableName: table.name, ConsistentRead: true }))).Items ?? [];
  const entries = async () => {
    const all = [];
    for await (const e of new Ledger(ledgerPath).entries()) all.push(e);
    return all;
  };

  it('proves enforcement against a service that checks the blacklist: accepted before, refused after; ledgered, kept in the history, removed', async () => {
    const service = await startService(blacklist, 'enforcing');
    try {
      const result = await runCli(['canary', 'run', '--probe-url', service.url, '--threshold-ms', '60000', '--output', 'json', ...conn], isolatedEnv());
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as CanaryReport;
      expect(report.proven).toBe(true);
      expect(report.slow).toEqual([]);
      expect(report.steps.map((s) => [s.step, s.result])).toEqual([
        ['plant', 'ok'],
        ['probe-before', 'ok'],
        ['revoke', 'ok'],
        ['store', 'ok'],
        ['blacklist', 'ok'],
        ['probe-after', 'ok'],
        ['remove', 'ok'],
      ]);
      expect(report.steps.find((s) => s.step === 'probe-after')?.detail).toBe(`${service.url} refused the revoked canary (HTTP 401)`);
      // Propagation is measured from the start of the revocation: the store and the blacklist say so after it returned.
      const ms = (step: string) => report.steps.find((s) => s.step === step)?.ms ?? -1;
      expect(ms('store')).toBeGreaterThanOrEqual(ms('revoke'));
      expect(ms('blacklist')).toBeGreaterThanOrEqual(0);
      // The service saw the canary's session twice, and nothing else.
      expect(service.requests).toEqual([report.sessionId, report.sessionId]);
      // Nothing is left behind: neither the item nor its blacklist key.
      expect(await items()).toEqual([]);
      expect(await blacklist.exists(`revoked:${report.sessionId}`)).toBe(0);
      // Revoked through the normal path: attempt and outcome in the ledger, marked as the canary.
      const ledgered = await entries();
      expect(ledgered.map((e) => [e.kind, e.sessionId, e.user, e.reasonCode, e.note, e.outcome])).toEqual([
        // As for any revocation by id, the attempt is written before the store names the user.
        ['attempt', report.sessionId, '', 'other', 'session-warden canary: enforcement self-test', undefined],
        ['outcome', report.sessionId, 'session-warden-canary', 'other', 'session-warden canary: enforcement self-test', 'revoked'],
      ]);
      const history = (await readFile(join(dir.path, 'canary-history.jsonl'), 'utf8')).trimEnd().split('\n');
      expect(history.map((l) => (JSON.parse(l) as CanaryReport).sessionId)).toEqual([report.sessionId]);
    } finally {
      await service.close();
    }
  });

  it('is not proven against a service that forgot the blacklist check, and says why (exit 1)', async () => {
    const service = await startService(blacklist, 'broken');
    try {
      const result = await runCli(['canary', 'run', '--probe-url', service.url, ...conn], isolatedEnv());
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`${service.url} still accepts the revoked canary (HTTP 200): enforcement is NOT working there`);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('Enforcement NOT proven: probe-after failed.');
      expect(await items()).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('is not proven by a service that refuses everyone: its refusal after the revocation proves nothing', async () => {
    const service = await startService(blacklist, 'refusing');
    try {
      const result = await runCli(['canary', 'run', '--probe-url', service.url, '--output', 'json', ...conn], isolatedEnv());
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as CanaryReport;
      expect(report.steps.find((s) => s.step === 'probe-before')).toMatchObject({ result: 'failed', detail: expect.stringContaining('refused the live canary already (HTTP 403)') });
      expect(report.proven).toBe(false);
    } finally {
      await service.close();
    }
  });

  it('says a run slower than the threshold is slow (exit 5), and refuses bad arguments before writing anything (exit 2)', async () => {
    const slow = await runCli(['canary', 'run', '--threshold-ms', '1', '--output', 'json', ...conn], isolatedEnv());
    expect(slow.code).toBe(5);
    const report = JSON.parse(slow.stdout) as CanaryReport;
    expect(report.proven).toBe(true);
    expect(report.slow).toContain('revoke');
    expect(report.steps.find((s) => s.step === 'probe-before')?.result).toBe('skipped');

    const before = (await entries()).length;
    for (const bad of [
      ['--probe-url', 'ftp://127.0.0.1/x'],
      ['--probe-url', 'http://user:secret@127.0.0.1/x'],
      ['--threshold-ms', '0'],
      ['--threshold-ms', 'fast'],
    ]) {
      const refused = await runCli(['canary', 'run', ...bad, ...conn], isolatedEnv());
      expect(refused.code, bad.join(' ')).toBe(2);
      expect(refused.stderr).not.toContain('secret');
    }
    expect((await entries()).length).toBe(before);
    expect(await items()).toEqual([]);
  });

  it('proves a web-session store in Redis, whose blacklist is the same Redis', async () => {
    const web = await startRedisServer();
    const client = new Redis(web.url);
    const webDir = await tempDir();
    try {
      const ledger = join(webDir.path, 'ledger.jsonl');
      const result = await runCli(['canary', 'run', '--store', 'redis', '--redis', web.url, '--ledger', ledger, '--output', 'json'], isolatedEnv());
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as CanaryReport;
      expect(report.steps.filter((s) => s.result === 'ok').map((s) => s.step)).toEqual(['plant', 'revoke', 'store', 'blacklist', 'remove']);
      expect(report.sessionId).toMatch(/^session-warden-canary-/);
      // Removed: the record, the blacklist key and the id in the user's set.
      expect(await client.keys('*')).toEqual([]);
    } finally {
      client.disconnect();
      await web.stop();
      await webDir.remove();
    }
  });
  it('runs on a saved connection only where the operator turned the canary on, as the app does; never on a read-only one', async () => {
    const home = await tempDir();
    try {
      const dataDir = join(home.path, 'Session Warden');
      await mkdir(dataDir, { recursive: true });
      const store = new ConnectionStore(dataDir, new SecretVault(fakeKeyring(), 'linux'));
      const dynamo = { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' } } as const;
      await store.save({ name: 'not-opted-in', environment: 'production', colour: 'red', readOnly: false, store: dynamo });
      await store.save({ name: 'opted-in', environment: 'production', colour: 'red', readOnly: false, store: dynamo, canary: { enabled: true } });
      await store.save({ name: 'auditor', environment: 'production', colour: 'red', readOnly: true, store: dynamo });
      const env = isolatedEnv({ XDG_CONFIG_HOME: home.path });
      const refused = await runCli(['canary', 'run', '--connection', 'not-opted-in'], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('the enforcement canary is not enabled for saved connection "not-opted-in"');
      const auditor = await runCli(['canary', 'run', '--connection', 'auditor'], env);
      expect(auditor.code).toBe(2);
      expect(auditor.stderr).toContain('read-only');
      // Nothing was written by either: no item, no ledger.
      expect(await items()).toEqual([]);
      expect(existsSync(join(dataDir, 'ledger.jsonl'))).toBe(false);
      const proven = await runCli(['canary', 'run', '--connection', 'opted-in', '--output', 'json'], env);
      expect(proven.code, proven.stderr).toBe(0);
      expect((JSON.parse(proven.stdout) as CanaryReport).proven).toBe(true);
      expect(await items()).toEqual([]);
    } finally {
      await home.remove();
    }
  });
});
