import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { explainAwsError } from '../../src-main/connections/connection-test';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { Redis } from 'ioredis';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
/** What a revoke dialog sends back: the connection id and nonce of the app info it showed. */
const confirmedFor = (info: AppInfo) => ({ id: info.connection.id, nonce: info.connection.nonce });

describe('the connection manager behind the app handler table', () => {
  let dir: TempDir;
  let table: TestTable;
  let manager: ConnectionManager;
  let dispatch: Dispatch;

  beforeEach(async () => {
    [dir, table] = await Promise.all([tempDir(), createSentinelTable(inject('dynamoEndpoint'))]);
    const vault = new SecretVault(fakeKeyring(), 'linux');
    manager = new ConnectionManager({ version: 't', dataDir: dir.path, store: new ConnectionStore(dir.path, vault), vault, desktop: { chooseSavePath: async () => null, notify: () => undefined } });
    await manager.start();
    dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
  });
  afterEach(async () => {
    await manager.close();
    await table.drop();
    await dir.remove();
  });

  const call = async <T>(channel: Parameters<Dispatch>[0], payload?: unknown): Promise<T> => {
    const result = await dispatch(channel, payload, OURS);
    if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
    return result.value as T;
  };

  it('opens on the demo store, switches to a saved Sentinel table, and keeps the current one when a switch fails', async () => {
    expect((await call<AppInfo>('app:info')).connection.kind).toBe('demo');
    const item = sentinelItem({ seconds: Math.floor(Date.now() / 1000) - 10 }, { user: 'switch.me' });
    await table.put([item]);
    const { connection } = await call<{ connection: { id: string } }>('connections:save', {
      name: 'staging', environment: 'staging', colour: 'amber', readOnly: true,
      store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' } },
    });
    const info = await call<AppInfo>('connections:switch', { id: connection.id });
    expect(info.connection).toEqual({ id: connection.id, nonce: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'staging', kind: 'dynamodb', environment: 'staging', table: table.name, readOnly: true, requireTicket: false, blacklist: false, capabilities: SENTINEL_CAPABILITIES });
    expect((await call<{ sessions: { id: string }[] }>('sessions:query', { status: 'any' })).sessions.map((s) => s.id)).toEqual([item.id]);
    // Read-only from the saved flag: refused in main.
    await expect(call('sessions:revoke', { ids: [item.id], reasonCode: 'offboarding', connection: confirmedFor(info) })).rejects.toMatchObject({ code: 'READ_ONLY' });

    const { connection: broken } = await call<{ connection: { id: string } }>('connections:save', {
      name: 'down', environment: 'production', colour: 'red', readOnly: false, store: { kind: 'redis', urls: ['redis://127.0.0.1:1'], cluster: false },
    });
    await expect(call('connections:switch', { id: broken.id })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('the current connection stays active') });
    expect((await call<AppInfo>('app:info')).connection.name).toBe('staging');

    // Deleting the active connection goes back to the demo store.
    expect(await call('connections:delete', { id: connection.id })).toEqual({ deleted: true });
    expect((await call<AppInfo>('app:info')).connection.kind).toBe('demo');
    expect((await call<{ connections: unknown[]; active: string }>('connections:list')).active).toBe('demo');
  });

  it('requires a ticket for offboarding runs in production (or where the connection says so), refusing in main before anything is written', async () => {
    const now = Math.floor(Date.now() / 1000);
    const items = [sentinelItem({ seconds: now - 10 }, { user: 'tia.leaver' }), sentinelItem({ seconds: now - 11 }, { user: 'uma.leaver' })];
    await table.put(items);
    const store = { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' } };
    const { connection: prod } = await call<{ connection: { id: string } }>('connections:save', { name: 'prod', environment: 'production', colour: 'red', readOnly: false, store });
    const info = await call<AppInfo>('connections:switch', { id: prod.id });
    expect(info.connection.requireTicket).toBe(true);
    const offboarding = { users: ['tia.leaver'], requested: [{ name: 'Tia.Leaver', user: 'tia.leaver' }], reasonCode: 'offboarding', connection: confirmedFor(info) };
    await expect(call('users:revoke', offboarding)).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('requires a ticket for offboarding runs: nothing was revoked') });
    expect((await call<{ sessions: unknown[] }>('sessions:query', { user: 'tia.leaver' })).sessions).toHaveLength(1);
    // An incident revocation from the Sessions screen (no list) is not held up.
    const incident = await call<{ results: { outcome: string }[] }>('users:revoke', { users: ['uma.leaver'], reasonCode: 'credential_compromise', connection: confirmedFor(info) });
    expect(incident.results.map((r) => r.outcome)).toEqual(['revoked']);
    // A name called unknown while it has live sessions is refused: never "unknown" beside live sessions.
    await expect(call('users:revoke', { ...offboarding, ticket: 'HR-9', users: [], requested: [{ name: 'tia.leaver', user: null }] })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('"tia.leaver" has live sessions now, but the list called it unknown'),
    });
    const done = await call<{ results: { outcome: string }[] }>('users:revoke', { ...offboarding, ticket: 'HR-9' });
    expect(done.results.map((r) => r.outcome)).toEqual(['revoked']);

    // Configurable per connection: optional in production, or required elsewhere.
    await call('connections:save', { id: prod.id, name: 'prod', environment: 'production', colour: 'red', readOnly: false, requireTicket: false, store });
    expect((await call<AppInfo>('connections:switch', { id: prod.id })).connection.requireTicket).toBe(false);
    const { connection: staging } = await call<{ connection: { id: string; requireTicket?: boolean } }>('connections:save', { name: 'stg', environment: 'staging', colour: 'amber', readOnly: false, requireTicket: true, store });
    expect(staging.requireTicket).toBe(true);
    expect((await call<AppInfo>('connections:switch', { id: staging.id })).connection.requireTicket).toBe(true);
  });

  it('refuses a revocation confirmed on the demo store once a saved connection named "Demo store" is active', async () => {
    const demo = await call<AppInfo>('app:info');
    expect(demo.connection.name).toBe('Demo store');
    const item = sentinelItem({ seconds: Math.floor(Date.now() / 1000) - 10 }, { user: 'same.name' });
    await table.put([item]);
    const { connection } = await call<{ connection: { id: string } }>('connections:save', {
      name: 'Demo store', environment: 'production', colour: 'red', readOnly: false,
      store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' } },
    });
    const first = await call<AppInfo>('connections:switch', { id: connection.id });
    expect(first.connection.name).toBe(demo.connection.name);
    // What the dialog confirmed on the demo store arrives after the switch: same name, other store.
    await expect(call('sessions:revoke', { ids: [item.id], reasonCode: 'offboarding', connection: confirmedFor(demo) })).rejects.toMatchObject({ code: 'CONNECTION_CHANGED' });
    await expect(call('users:revoke', { users: ['same.name'], reasonCode: 'offboarding', connection: confirmedFor(demo) })).rejects.toMatchObject({ code: 'CONNECTION_CHANGED' });
    const statuses = async () => (await call<{ sessions: { status: string }[] }>('sessions:query', { status: 'any' })).sessions.map((s) => s.status);
    expect(await statuses()).toEqual(['active']);

    // Away and back: the same connection, opened again, with a new nonce. What was confirmed on
    // the first opening no longer holds; the second opening's confirmation does.
    await call('connections:switch', { id: 'demo' });
    const again = await call<AppInfo>('connections:switch', { id: connection.id });
    expect(again.connection.id).toBe(first.connection.id);
    expect(again.connection.nonce).not.toBe(first.connection.nonce);
    await expect(call('sessions:revoke', { ids: [item.id], reasonCode: 'offboarding', connection: confirmedFor(first) })).rejects.toMatchObject({ code: 'CONNECTION_CHANGED' });
    expect(await statuses()).toEqual(['active']);
    await expect(call('sessions:revoke', { ids: [item.id], reasonCode: 'offboarding', connection: confirmedFor(again) })).resolves.toMatchObject({ results: [{ outcome: 'revoked' }] });
    expect(await statuses()).toEqual(['revoked']);
  });
});

describe('a DynamoDB connection with a password-protected blacklist Redis', () => {
  it('tests the blacklist with its password and mirrors revocations into it after a switch', async () => {
    const dir = await tempDir();
    const table = await createSentinelTable(inject('dynamoEndpoint'));
    const blacklist = await startRedisServer({ password: 'blacklist-pass-4411' });
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const manager = new ConnectionManager({ version: 't', dataDir: dir.path, store: new ConnectionStore(dir.path, vault), vault, desktop: { chooseSavePath: async () => null, notify: () => undefined } });
    try {
      await manager.start();
      const item = sentinelItem({ seconds: Math.floor(Date.now() / 1000) - 10 }, { user: 'mirror.me' });
      await table.put([item]);
      const store = { kind: 'dynamodb' as const, region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' as const }, blacklistRedis: { url: blacklist.url } };
      const saved = await manager.save({ name: 'mirrored', environment: 'staging', colour: 'amber', readOnly: false, store, blacklistSecret: 'blacklist-pass-4411' });
      const tested = await manager.test({ id: saved.id });
      expect(tested.checks.map((c) => [c.name, c.state])).toEqual([
        ['Table', 'ok'],
        ['Indexes', 'ok'],
        ['Recorded as', 'ok'],
        ['Blacklist Redis: Connect', 'ok'],
        ['Blacklist Redis: Version', 'ok'],
        ['Blacklist Redis: Durability', 'warning'],
      ]);
      const wrong = await manager.test({ draft: { name: 'mirrored', environment: 'staging', colour: 'amber', readOnly: false, store, blacklistSecret: 'nope' } });
      expect(wrong.checks.find((c) => c.name === 'Blacklist Redis: Connect')?.detail).toContain('WRONGPASS');
      const info = await manager.switchTo(saved.id);
      const dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
      const report = await dispatch('sessions:revoke', { ids: [item.id], reasonCode: 'security_incident', connection: confirmedFor(info) }, OURS);
      expect(report).toMatchObject({ ok: true, value: { results: [{ outcome: 'revoked', blacklist: 'written' }] } });
      const admin = new Redis(blacklist.url, { password: 'blacklist-pass-4411' });
      expect(await admin.get(`revoked:${item.id}`)).toBe('security_incident');
      admin.disconnect();
    } finally {
      await manager.close();
      await blacklist.stop();
      await table.drop();
      await dir.remove();
    }
  });
});

describe('switching while a call is still running', () => {
  it('lets an export running on the previous store finish there, while new calls go to the new one', async () => {
    const dir = await tempDir();
    const table = await createSentinelTable(inject('dynamoEndpoint'));
    let chosen: (path: string) => void = () => undefined;
    const picked = new Promise<string>((resolve) => (chosen = resolve));
    const vault = new SecretVault(fakeKeyring(), 'linux');
    // The save dialog stays open until the test answers it: the export is in flight meanwhile.
    const manager = new ConnectionManager({ version: 't', dataDir: dir.path, store: new ConnectionStore(dir.path, vault), vault, desktop: { chooseSavePath: () => picked, notify: () => undefined } });
    try {
      await manager.start();
      const dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
      const running = dispatch('export:start', { exportId: '5d7a1c9e-2b3f-4c8d-9e0a-1b2c3d4e5f60', kind: 'sessions', format: 'ndjson', filter: { status: 'any' } }, OURS);
      const saved = await manager.save({ name: 'staging', environment: 'staging', colour: 'amber', readOnly: false, store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' } } });
      expect((await manager.switchTo(saved.id)).connection.name).toBe('staging');
      chosen(join(dir.path, 'demo-sessions.ndjson'));
      // The demo store was still open for it: all 500 demo sessions were written.
      expect(await running).toMatchObject({ ok: true, value: { saved: true, rows: 500 } });
      expect((await dispatch('app:info', undefined, OURS)) as { value: AppInfo }).toMatchObject({ value: { connection: { name: 'staging' } } });
    } finally {
      await manager.close();
      await table.drop();
      await dir.remove();
    }
  });
});

describe('a saved secret is never sent to a new target', () => {
  it('testing a draft that points the connection elsewhere does not send the saved password there', async () => {
    const dir = await tempDir();
    const received: Buffer[] = [];
    const listener = createServer((socket) => {
      socket.on('data', (chunk) => {
        received.push(chunk);
        socket.end('-ERR nope\r\n');
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const manager = new ConnectionManager({ version: 't', dataDir: dir.path, store: new ConnectionStore(dir.path, vault), vault, desktop: { chooseSavePath: async () => null, notify: () => undefined } });
    try {
      const saved = await manager.save({ name: 'web', environment: 'prod', colour: 'red', readOnly: false, store: { kind: 'redis', urls: ['redis://127.0.0.1:1'], cluster: false }, secret: 'canary-never-leaves-9d2c' });
      await manager.test({ draft: { id: saved.id, name: 'web', environment: 'prod', colour: 'red', readOnly: false, store: { kind: 'redis', urls: [`redis://127.0.0.1:${port}`], cluster: false } } });
      expect(Buffer.concat(received).toString()).not.toContain('canary-never-leaves-9d2c');
    } finally {
      await manager.close();
      await new Promise((resolve) => listener.close(resolve));
      await dir.remove();
    }
  });
});

describe('AWS errors, said as what to fix', () => {
  const store = { kind: 'dynamodb' as const, region: 'eu-west-1', table: 'sentinel-sessions', credentials: { source: 'profile' as const, profile: 'sec-ops' } };
  const error = (name: string, message: string) => Object.assign(new Error(message), { name });

  it('covers an expired SSO session, access denied, unknown keys and an unreachable endpoint', () => {
    expect(explainAwsError(error('CredentialsProviderError', 'The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login'), store, 'x')).toBe(
      'The SSO session has expired or was never started: run `aws sso login --profile sec-ops`, then test again.',
    );
    expect(
      explainAwsError(error('AccessDeniedException', 'User: arn:aws:sts::1:assumed-role/SecOps/jane is not authorized to perform: dynamodb:DescribeTable on resource: arn:aws:dynamodb:eu-west-1:1:table/sentinel-sessions'), store, 'dynamodb:DescribeTable'),
    ).toBe('Access denied: these credentials may not call dynamodb:DescribeTable on arn:aws:dynamodb:eu-west-1:1:table/sentinel-sessions. Ask for that permission.');
    expect(explainAwsError(error('UnrecognizedClientException', 'The security token included in the request is invalid.'), store, 'x')).toContain('AWS does not accept these credentials');
    expect(explainAwsError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }), store, 'x')).toContain('Cannot reach DynamoDB in eu-west-1');
  });
});
