import { DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ConnectionTestResult } from '../../src-shared/connections';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { testDynamoConnection, testRedisConnection } from '../../src-main/connections/connection-test';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { describeLedgerTable } from '../../src-main/team-ledger/dynamo-chain';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const ledgerCheck = (result: ConnectionTestResult) => result.checks.find((c) => c.name === 'Team ledger');

describe('a Sentinel connection’s team ledger table, over the app handler table (DynamoDB Local)', () => {
  let dir: TempDir;
  let table: TestTable;
  let manager: ConnectionManager;
  let dispatch: Dispatch;
  const created: string[] = [];

  beforeEach(async () => {
    [dir, table] = await Promise.all([tempDir(), createSentinelTable(inject('dynamoEndpoint'))]);
    const vault = new SecretVault(fakeKeyring(), 'linux');
    manager = new ConnectionManager({ version: 't', dataDir: dir.path, store: new ConnectionStore(dir.path, vault), vault, desktop: { chooseSavePath: async () => null, notify: () => undefined } });
    await manager.start();
    dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
  });
  afterEach(async () => {
    await manager.close();
    const client = localDynamoClient(inject('dynamoEndpoint'));
    for (const name of created.splice(0)) await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    client.destroy();
    await table.drop();
    await dir.remove();
  });

  const call = async <T>(channel: Parameters<Dispatch>[0], payload?: unknown): Promise<T> => {
    const result = await dispatch(channel, payload, OURS);
    if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
    return result.value as T;
  };
  const save = async (name: string, teamLedger: string | undefined, readOnly = false) => {
    if (teamLedger) created.push(teamLedger);
    const store = { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, ...(teamLedger ? { teamLedger } : {}) };
    return (await call<{ connection: { id: string } }>('connections:save', { name, environment: 'staging', colour: 'amber', readOnly, store })).connection.id;
  };

  it('warns while the table is missing, creates it once with the saved credentials, then passes', async () => {
    const ledger = `${table.name}-revocations`;
    const id = await save('staging', ledger);
    const before = await call<ConnectionTestResult>('connections:test', { id });
    expect(before.ok).toBe(true); // a missing ledger table is a warning: revocations wait locally
    expect(ledgerCheck(before)).toEqual({ name: 'Team ledger', state: 'warning', detail: expect.stringContaining(`Team ledger table "${ledger}" does not exist: Create ledger table, or \`session-warden ledger init\``) });

    const first = await call<{ created: boolean; pointInTimeRecovery: string; detail?: string }>('connections:initLedger', { id });
    // DynamoDB Local does not implement continuous backups: the app says point-in-time recovery
    // failed and why, never that it is on (against AWS the same call answers `enabled`).
    expect(first).toEqual({ created: true, pointInTimeRecovery: 'failed', detail: 'UnknownOperationException: An unknown operation was requested.' });
    const client = localDynamoClient(inject('dynamoEndpoint'));
    expect(await describeLedgerTable(client, ledger)).toBe('ok');
    const { Table: described } = await client.send(new DescribeTableCommand({ TableName: ledger }));
    client.destroy();
    expect(described?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');

    // Asked again: already there, left as it is.
    expect(await call('connections:initLedger', { id })).toMatchObject({ created: false, pointInTimeRecovery: first.pointInTimeRecovery });
    const after = await call<ConnectionTestResult>('connections:test', { id });
    expect(ledgerCheck(after)).toEqual({ name: 'Team ledger', state: 'ok', detail: `Team ledger table "${ledger}" found: every operator's revocations are chained into it.` });
    // The editor's draft is tested with the same check.
    const draft = { name: 'draft', environment: 'staging', colour: 'amber', readOnly: false, store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, teamLedger: 'no-such-ledger' } };
    expect(ledgerCheck(await call<ConnectionTestResult>('connections:test', { draft }))?.state).toBe('warning');
    // A connection without a team ledger has no such check.
    expect(ledgerCheck(await call<ConnectionTestResult>('connections:test', { id: await save('plain', undefined) }))).toBeUndefined();
  });

  it('refuses on a read-only connection (READ_ONLY, nothing created), and where there is no table to create', async () => {
    const ledger = `${table.name}-auditor-ledger`;
    const auditor = await save('auditor', ledger, true);
    await expect(call('connections:initLedger', { id: auditor })).rejects.toMatchObject({ code: 'READ_ONLY', message: expect.stringContaining('read-only (auditor mode): it never writes') });
    const client = localDynamoClient(inject('dynamoEndpoint'));
    expect(await describeLedgerTable(client, ledger)).toBe('missing');
    client.destroy();

    const plain = await save('plain', undefined);
    await expect(call('connections:initLedger', { id: plain })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('names no team ledger') });
    const { connection: web } = await call<{ connection: { id: string } }>('connections:save', {
      name: 'web', environment: 'staging', colour: 'amber', readOnly: false, store: { kind: 'redis', urls: ['redis://127.0.0.1:1'], cluster: false, teamLedger: 'session-warden:revocations' },
    });
    await expect(call('connections:initLedger', { id: web.id })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('its team ledger is a stream') });
    await expect(call('connections:initLedger', { id: '5d7a1c9e-2b3f-4c8d-9e0a-1b2c3d4e5f60' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('no longer exists') });
  });

  it('says the ledger table could not be checked, or created, where nothing answers', async () => {
    const store = { kind: 'dynamodb' as const, region: 'local', table: table.name, endpoint: 'http://127.0.0.1:1', credentials: { source: 'default' as const }, teamLedger: 'sessions-revocations' };
    const result = await testDynamoConnection(store, null);
    expect(ledgerCheck(result)).toMatchObject({ state: 'failed', detail: expect.stringMatching(/^The team ledger table "sessions-revocations" could not be reached: /) });
    const { connection } = await call<{ connection: { id: string } }>('connections:save', { name: 'down', environment: 'staging', colour: 'amber', readOnly: false, store });
    await expect(call('connections:initLedger', { id: connection.id })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('The team ledger table "sessions-revocations" was not created') });
  });
});

describe('a web-session connection’s team ledger stream (redis-server)', () => {
  let dir: TempDir;
  let redis: RunningRedis;
  let admin: Redis;
  const store = (teamLedger: string, extra: { username?: string } = {}) => ({ kind: 'redis' as const, urls: [redis.url], cluster: false, teamLedger, ...extra });

  beforeAll(async () => {
    dir = await tempDir();
    // Its own directory: turning appendonly on below writes the AOF there.
    redis = await startRedisServer({ extraArgs: ['--dir', dir.path] });
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
    await dir?.remove();
  });

  it('warns when the server keeps nothing, warns when it only snapshots, and passes with appendonly yes', async () => {
    const key = 'session-warden:revocations';
    await admin.config('SET', 'appendonly', 'no');
    await admin.config('SET', 'save', '');
    const bare = await testRedisConnection(store(key), null);
    expect(bare.ok).toBe(true);
    expect(ledgerCheck(bare)).toEqual({
      name: 'Team ledger',
      state: 'warning',
      detail: `Stream "${key}" is created by the first revocation written to it; the server does not persist (appendonly no, no save snapshots): revocations in the stream would be lost with the server. Ask for appendonly yes.`,
    });

    await admin.config('SET', 'save', '3600 1 300 100');
    expect(ledgerCheck(await testRedisConnection(store(key), null))).toMatchObject({ state: 'warning', detail: expect.stringContaining('appendonly is off and only snapshots (save) are taken: a crash can lose the last minutes of revocations') });

    await admin.config('SET', 'appendonly', 'yes');
    await admin.xadd(key, '1-0', 'hash', 'h', 'entry', '{}');
    const durable = await testRedisConnection(store(key), null);
    expect(ledgerCheck(durable)).toEqual({ name: 'Team ledger', state: 'ok', detail: `Stream "${key}" holds 1 entry; appendonly is on: the team ledger survives a restart.` });
    expect(durable.checks.find((c) => c.name === 'Durability')?.state).toBe('ok');
  });

  it('says "could not check" when CONFIG is refused, and fails for a key that is not a stream', async () => {
    await admin.call('ACL', 'SETUSER', 'ledger-writer', 'on', '>writer-password', '~*', '&*', '+@all', '-config');
    const refused = await testRedisConnection(store('session-warden:revocations', { username: 'ledger-writer' }), 'writer-password');
    expect(ledgerCheck(refused)).toMatchObject({ state: 'warning', detail: expect.stringContaining('could not check (CONFIG refused) whether the server persists it') });
    expect(JSON.stringify(refused)).not.toContain('writer-password');

    await admin.set('not-a-stream', 'x');
    const wrong = await testRedisConnection(store('not-a-stream'), null);
    expect(wrong.ok).toBe(false);
    expect(ledgerCheck(wrong)).toMatchObject({ state: 'failed', detail: '"not-a-stream" on this server is a string, not a stream: it cannot hold the team ledger. Name another stream key.' });
    // Without a team ledger, no such check.
    expect(ledgerCheck(await testRedisConnection({ kind: 'redis', urls: [redis.url], cluster: false }, null))).toBeUndefined();
  });
});
