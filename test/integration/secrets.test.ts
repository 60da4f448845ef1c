import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CHANNELS, WORKSPACE_CHANNELS, type AppInfo, type Channel, type RequestOf } from '../../src-shared/contract';
import { createHandlers } from '../../src-main/handlers';
import { IamDenyService } from '../../src-main/iam/deny-service';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import { formatErrorForLog } from '../../src-main/log-format';
import { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { CursorCodec } from '../../src-main/stores/cursor';
import { SentinelStore } from '../../src-main/sentinel/sentinel-store';
import { sentinelTableDefinition } from '../../src-main/sentinel/table-schema';
import { putAll } from '../../src-main/demo/demo-store';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { connectRedis } from '../../src-main/web-sessions/redis-target';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

// Canary secrets: unique strings that must never show up anywhere but in the store's config.
const REDIS_PASSWORD = `canary-redis-${randomBytes(6).toString('hex')}`;
const AWS_KEY_ID = `AKIACANARY${randomBytes(5).toString('hex').toUpperCase()}`;
const AWS_SECRET = `canary-aws-secret-${randomBytes(8).toString('hex')}`;
const CANARIES = [REDIS_PASSWORD, AWS_KEY_ID, AWS_SECRET];
const OURS = { url: 'app://warden/index.html', isMainFrame: true };

/**
 * A valid request for every channel of the contract. Typed over `Channel`, so a channel added to
 * the contract without a sample here does not compile: the walk below covers every channel.
 */
function samples(ids: { session: string; user: string; run: string; connection: string; confirmed: { id: string; nonce: string } }): { [C in Channel]: RequestOf<C>[] } {
  return {
    'connections:list': [undefined],
    'connections:profiles': [undefined],
    'connections:initLedger': [{ id: ids.connection }],
    'connections:test': [{ id: ids.connection }],
    'connections:switch': [{ id: ids.connection }],
    'connections:save': [{ id: ids.connection, name: 'renamed', environment: 'production', colour: 'red', readOnly: false, store: { kind: 'redis', urls: ['redis://127.0.0.1:1'], cluster: false } }],
    'connections:delete': [{ id: randomUUID() }],
    'app:info': [undefined],
    'sessions:query': [{ status: 'any', limit: 50 }, { status: 'active', user: ids.user, limit: 10 }],
    'sessions:get': [{ id: ids.session }, { id: 'nosuchsession0000' }],
    'sessions:getMany': [{ ids: [ids.session, 'nosuchsession0000'] }],
    'sessions:revoke': [{ ids: [ids.session], reasonCode: 'security_incident', note: 'canary test', ticket: 'SEC-1', connection: ids.confirmed }],
    'users:preview': [{ users: [ids.user, 'nobody.here'] }],
    'sessions:matching': [{ filter: { user: ids.user } }],
    'sessions:revokeMatching': [{ filter: { user: 'nobody.here' }, expectedCount: 1, expectedDigest: '0'.repeat(64), reasonCode: 'security_incident', connection: ids.confirmed }],
    'users:lookup': [{ text: ids.user }, { text: 'nobody.here' }],
    'users:revoke': [{ users: [ids.user], reasonCode: 'offboarding', connection: ids.confirmed }],
    'evidence:save': [{ runs: [ids.run] }],
    'watch:set': [{ users: [ids.user], everyMs: 5_000 }, { users: [], everyMs: null }],
    'ledger:verify': [undefined],
    'ledger:team': [undefined],
    'ledger:deliver': [undefined],
    'export:start': [
      { exportId: randomUUID(), kind: 'sessions', format: 'csv', filter: { status: 'any' } },
      { exportId: randomUUID(), kind: 'sessions', format: 'ndjson', filter: { status: 'revoked', user: ids.user } },
      { exportId: randomUUID(), kind: 'ledger', format: 'json' },
    ],
    'export:cancel': [{ exportId: randomUUID() }],
    'revoke:cancel': [{ runId: randomUUID() }],
    'proof:alarms': [undefined],
    'activity:summary': [{ since: new Date(Date.now() - 86_400_000).toISOString(), until: new Date().toISOString() }],
    'ledger:list': [{}, { text: ids.user, outcome: 'revoked' }],
    'audit:store': [{ limit: 10 }],
    'blacklist:pending': [undefined],
    'blacklist:retry': [undefined],
    'blacklist:coverage': [undefined],
    'blacklist:repair': [{ ids: [ids.session], connection: ids.confirmed }],
    'canary:run': [undefined],
    'canary:history': [undefined, { limit: 5 }],
    'iam:plan': [{ ids: [ids.session] }, { ids: [ids.session], blast: 'whole-role', incident: 'INC-1' }],
    'iam:apply': [{ ids: [ids.session], blast: 'precise', plannedAt: new Date().toISOString(), role: 'sentinel-app', sha256: '0'.repeat(64), connection: ids.confirmed }],
    'iam:list': [undefined],
    'iam:remove': [{ role: 'sentinel-app', name: 'session-warden-deny-INC-1', connection: ids.confirmed }],
    'people:find': [{ person: `${ids.user}@corp.example`, connections: [ids.connection, 'demo'] }],
    'people:revoke': [{ person: ids.user, targets: [{ connection: ids.connection, fingerprint: '0'.repeat(16), ids: [ids.session] }], reasonCode: 'credential_compromise', incident: 'INC-1' }],
    'people:evidence': [{ runs: [{ connection: ids.connection, run: ids.run }] }],
    'incidents:pin': [{ incident: 'INC-1', person: ids.user, connections: [ids.connection] }],
    'incidents:list': [undefined],
    'incidents:get': [{ incident: 'INC-1' }],
    'incidents:export': [{ incident: 'INC-1', format: 'json' }],
  };
}

/** Captures everything written to the console and the process streams while `work` runs. */
async function capturingOutput(work: () => Promise<void>): Promise<string> {
  const captured: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const console_ = { log: console.log, error: console.error, warn: console.warn, info: console.info, debug: console.debug };
  const keep = (...args: unknown[]) => void captured.push(args.map(String).join(' '));
  process.stdout.write = ((chunk: string | Uint8Array) => (captured.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (captured.push(String(chunk)), true)) as typeof process.stderr.write;
  Object.assign(console, { log: keep, error: keep, warn: keep, info: keep, debug: keep });
  try {
    await work();
  } finally {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
    Object.assign(console, console_);
  }
  return captured.join('\n');
}

async function filesUnder(dir: string): Promise<string> {
  const names = await readdir(dir, { recursive: true });
  const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8').catch(() => '')));
  return texts.join('\n');
}

describe('canary secrets never leave the store configuration', () => {
  let redis: RunningRedis;
  let table: TestTable;
  let dir: TempDir;

  beforeAll(async () => {
    dir = await tempDir();
    [redis, table] = await Promise.all([startRedisServer({ password: REDIS_PASSWORD }), createSentinelTable(inject('dynamoEndpoint'))]);
  });
  afterAll(async () => {
    await redis?.stop();
    await table?.drop();
    await dir?.remove();
  });

  /** Walks every channel with valid requests, then a store outage; returns everything said. */
  async function walk(dispatch: Dispatch, ids: { session: string; user: string; connection?: string }, logs: string[], breakStore: () => Promise<void>): Promise<string> {
    const answers: unknown[] = [];
    // Revocations are confirmed for the workspace that is active now (its connection id and nonce).
    const info = await dispatch('app:info', undefined, OURS);
    if (!info.ok) throw new Error(info.error.message);
    const { id, nonce } = (info.value as AppInfo).connection;
    const sample = samples({ ...ids, run: '00000000-0000-4000-8000-000000000000', connection: ids.connection ?? randomUUID(), confirmed: { id, nonce } });
    // Renaming (and pointing elsewhere) is the last thing a walk does to a real connection.
    const rename = sample['connections:save'];
    sample['connections:save'] = [];
    for (const channel of CHANNELS) {
      for (const request of sample[channel]) {
        const events: unknown[] = [];
        const answer = await dispatch(channel, request, OURS, (event, payload) => events.push([event, payload]));
        answers.push(answer, events);
        // The revocation's run id makes evidence:save real.
        if (channel === 'sessions:revoke' && answer.ok) sample['evidence:save'] = [{ runs: [(answer.value as { run: string }).run] }];
      }
    }
    for (const request of rename) answers.push(await dispatch('connections:save', request, OURS));
    // Every workspace channel answered (a bare workspace leaves the app's channels, connections and
    // incident mode, to the app; audit:store is refused, VALIDATION, by stores that keep no audit log
    // of their own: Sentinel, Redis).
    expect(answers.filter((a) => (a as { ok?: boolean }).ok === true).length).toBeGreaterThan(WORKSPACE_CHANNELS.filter((c) => c !== 'audit:store').length);
    // With the store gone every channel that reads it fails: those answers and logs too.
    await breakStore();
    const failures: unknown[] = [];
    for (const channel of CHANNELS) for (const request of sample[channel]) failures.push(await dispatch(channel, request, OURS));
    expect(failures.filter((a) => (a as { ok: boolean }).ok === false).length).toBeGreaterThan(3);
    answers.push(...failures);
    return JSON.stringify(answers) + logs.join('\n');
  }

  it('a Redis password: not in any IPC answer, event, log line, ledger, evidence file or error', async () => {
    const admin = new Redis(redis.url, { password: REDIS_PASSWORD });
    const now = Date.now();
    const session = webSession('nora.canary', now);
    await writeWebSessions(admin, [session, webSession('nora.canary', now)], now);
    admin.disconnect();

    const dataDir = join(dir.path, 'redis');
    await mkdir(dataDir, { recursive: true });
    const logs: string[] = [];
    // The OS keyring, as Electron's safeStorage would use it: real encryption with a key we hold.
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const manager = new ConnectionManager({ version: 't', dataDir, store: new ConnectionStore(dataDir, vault), vault, desktop: { chooseSavePath: async (name) => join(dataDir, name), notify: (n) => logs.push(JSON.stringify(n)) } });
    const output = await capturingOutput(async () => {
      await manager.start();
      const dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'], onInternalError: (channel, error) => logs.push(`[ipc] ${channel} failed: ${formatErrorForLog(error)}`) });
      // Saved the way the editor saves it: the password goes in once, write-only.
      const saved = await dispatch('connections:save', { name: 'web', environment: 'production', colour: 'red', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false }, secret: REDIS_PASSWORD }, OURS);
      expect(saved).toMatchObject({ ok: true, value: { connection: { hasSecret: true, secretKept: 'encrypted' } } });
      const id = (saved as { value: { connection: { id: string } } }).value.connection.id;
      logs.push(JSON.stringify(saved), JSON.stringify(await dispatch('connections:switch', { id }, OURS)));
      const said = await walk(dispatch, { session: session.id, user: 'nora.canary', connection: id }, logs, () => redis.stop());
      logs.push(said);
      // A wrong password, as the connection test and the start-up log would show it.
      const wrong = await connectRedis({ urls: [redis.url.replace(/:\d+$/, ':1')], password: REDIS_PASSWORD }).catch((e: unknown) => e);
      logs.push(formatErrorForLog(wrong));
    });
    expect(await readFile(join(dataDir, 'connections.json'), 'utf8')).toContain('"ciphertext"');
    await manager.close();
    redis = await startRedisServer({ port: redis.port, password: REDIS_PASSWORD });
    const everything = [output, logs.join('\n'), await filesUnder(dataDir)].join('\n');
    expect(everything).toContain('nora.canary');
    expect(everything).toMatch(/\.csv|evidence/);
    for (const canary of CANARIES) expect(everything).not.toContain(canary);
  });

  it('a wrong Redis password is reported without the password, even with the driver error logged in full', async () => {
    const error = await connectRedis({ urls: [redis.url], password: `${REDIS_PASSWORD}-wrong` }).catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/WRONGPASS/);
    expect(formatErrorForLog(error)).not.toContain(REDIS_PASSWORD);
    // What the driver would have put in the log: its reply error carries the AUTH arguments.
    const raw = new Redis(redis.url, { password: `${REDIS_PASSWORD}-wrong`, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    let driverError: unknown;
    raw.on('error', (e: unknown) => (driverError ??= e));
    await raw.connect().catch(() => undefined);
    raw.disconnect();
    expect(JSON.stringify(driverError)).toContain(REDIS_PASSWORD);
    const formatted = formatErrorForLog(new Error('could not connect', { cause: driverError }));
    expect(formatted).toContain('WRONGPASS');
    expect(formatted).not.toContain(REDIS_PASSWORD);
  });

  it('static AWS keys: not in any IPC answer, log line, ledger or evidence file', async () => {
    const now = Math.floor(Date.now() / 1000);
    const item = sentinelItem({ seconds: now - 30 }, { user: 'otto.canary' });
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: 'local', credentials: { accessKeyId: AWS_KEY_ID, secretAccessKey: AWS_SECRET }, maxAttempts: 1 }),
    );
    // DynamoDB Local keeps one database per access key: the table is made with the canary key.
    await client.send(new CreateTableCommand(sentinelTableDefinition(table.name)));
    await putAll(client, table.name, [item, sentinelItem({ seconds: now - 40 }, { user: 'otto.canary' })]);
    const dataDir = join(dir.path, 'aws');
    const store = new SentinelStore({ client, tableName: table.name, cursors: new CursorCodec(randomBytes(32)) });
    const ledger = new Ledger(join(dataDir, 'ledger.jsonl'));
    const revoker = new SentinelRevoker({ client, store, ledger, operator: 'local:canary', connection: 'aws-canary' });
    const info: AppInfo = { version: 't', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'aws', kind: 'dynamodb', environment: 'test', table: table.name, readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:canary' };
    const logs: string[] = [];
    const output = await capturingOutput(async () => {
      // The deny offer over the same store (no IAM mapping: plans say the roles are unknown; no IAM is contacted).
      const iamDeny = new IamDenyService({ store, settings: undefined, policies: null, recorder: { operator: 'local:canary', principal: { type: 'local', osUser: 'canary' }, connection: 'aws-canary', ledger }, info: () => info });
      const handlers = createHandlers({ store, revoker, ledger, ledgerConnection: 'aws-canary', info: () => info, chooseSavePath: async (name) => join(dataDir, name), notify: (n) => logs.push(JSON.stringify(n)), iamDeny });
      const dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'], onInternalError: (channel, error) => logs.push(`[ipc] ${channel} failed: ${formatErrorForLog(error)}`) });
      const said = await walk(dispatch, { session: item.id, user: 'otto.canary' }, logs, async () => {
        // The store becomes unreachable: requests now fail inside the SDK.
        client.config.endpoint = async () => ({ hostname: '127.0.0.1', port: 1, protocol: 'http:', path: '/' });
      });
      logs.push(said);
    });
    client.destroy();
    const everything = [output, logs.join('\n'), await filesUnder(dataDir)].join('\n');
    expect(everything).toContain('otto.canary');
    for (const canary of CANARIES) expect(everything).not.toContain(canary);
  });
});
