import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionSaveRequestSchema, type ConnectionSaveRequest } from '../../src-shared/connections';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const SECRET = 'canary-vault-secret-5e1f';
const request = (patch: Partial<ConnectionSaveRequest> = {}): ConnectionSaveRequest => ({
  name: 'prod web',
  environment: 'production',
  colour: 'red',
  readOnly: false,
  store: { kind: 'redis', urls: ['rediss://sessions.internal:6380'], cluster: false, username: 'warden' },
  secret: SECRET,
  ...patch,
});

describe('secrets of connections', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.remove());
  const file = () => readFile(join(dir.path, 'connections.json'), 'utf8');

  it('are encrypted at rest with the OS keyring, owner-only, and read back after a restart', async () => {
    const keyring = fakeKeyring();
    const saved = await new ConnectionStore(dir.path, new SecretVault(keyring, 'linux')).save(request());
    expect(saved).toMatchObject({ hasSecret: true, secretKept: 'encrypted' });
    expect(saved).not.toHaveProperty('secret');
    const text = await file();
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text).connections[0].secret.backend).toBe('gnome_libsecret');
    expect((await stat(join(dir.path, 'connections.json'))).mode & 0o777).toBe(0o600);
    // A new process: a fresh vault over the same keyring.
    const again = new ConnectionStore(dir.path, new SecretVault(keyring, 'linux'));
    const stored = await again.get(saved.id);
    expect(stored && again.secretOf(stored)).toBe(SECRET);
    // Editing without a secret keeps it; null removes it.
    await again.save({ ...request({ name: 'prod web 2', id: saved.id }), secret: undefined });
    expect((await again.list())[0]).toMatchObject({ name: 'prod web 2', hasSecret: true });
    await again.save({ ...request({ id: saved.id }), secret: null });
    expect((await again.list())[0]).toMatchObject({ hasSecret: false, secretKept: 'none' });
  });

  it.each([
    ['basic_text (a hard-coded key)', { backend: 'basic_text' }],
    ['unknown', { backend: 'unknown' }],
    ['no encryption at all', { available: false }],
  ])('are never written in plain text: with %s they are kept for this run only', async (_label, options) => {
    const keyring = fakeKeyring(options);
    const encrypt = vi.spyOn(keyring, 'encryptString');
    const vault = new SecretVault(keyring, 'linux');
    expect(vault.info()).toMatchObject({ available: false });
    expect(vault.info().explanation).toMatch(/in memory for this run only/);
    const store = new ConnectionStore(dir.path, vault);
    const saved = await store.save(request());
    expect(saved).toMatchObject({ hasSecret: true, secretKept: 'memory' });
    expect(encrypt).not.toHaveBeenCalled();
    const text = await file();
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text).connections[0].secret).toBeUndefined();
    const stored = await store.get(saved.id);
    expect(stored && store.secretOf(stored)).toBe(SECRET);
    // After a restart the secret is gone and the operator is asked for it again.
    const restarted = new ConnectionStore(dir.path, new SecretVault(keyring, 'linux'));
    expect((await restarted.list())[0]).toMatchObject({ hasSecret: false, secretKept: 'none' });
  });

  it('sealed under another backend is unreadable, never decrypted with the wrong key', async () => {
    const keyring = fakeKeyring();
    const saved = await new ConnectionStore(dir.path, new SecretVault(keyring, 'linux')).save(request());
    keyring.backend = 'kwallet5';
    const decrypt = vi.spyOn(keyring, 'decryptString');
    const store = new ConnectionStore(dir.path, new SecretVault(keyring, 'linux'));
    const stored = await store.get(saved.id);
    expect(stored && store.secretOf(stored)).toBeNull();
    expect(decrypt).not.toHaveBeenCalled();
    expect((await store.list())[0]).toMatchObject({ hasSecret: false });
  });

  it('needs the secret again when the connection is pointed somewhere else', async () => {
    const store = new ConnectionStore(dir.path, new SecretVault(fakeKeyring(), 'linux'));
    const saved = await store.save(request());
    const elsewhere = { kind: 'redis' as const, urls: ['rediss://attacker.example:6380'], cluster: false, username: 'warden' };
    await expect(store.save({ ...request({ id: saved.id, store: elsewhere }), secret: undefined })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('enter its password or secret key again') });
    // Same target, other settings: the secret stays; a new target with the secret typed: fine.
    await store.save({ ...request({ id: saved.id, readOnly: true, store: { ...request().store, cluster: true } as ConnectionSaveRequest['store'] }), secret: undefined });
    expect((await store.list())[0]).toMatchObject({ readOnly: true, hasSecret: true });
    await store.save(request({ id: saved.id, store: elsewhere, secret: 'a new one' }));
    const stored = await store.get(saved.id);
    expect(stored && store.secretOf(stored)).toBe('a new one');
  });

  it('keep the blacklist Redis password of a DynamoDB connection in its own encrypted slot', async () => {
    const keyring = fakeKeyring();
    const store = new ConnectionStore(dir.path, new SecretVault(keyring, 'linux'));
    const dynamo = { kind: 'dynamodb' as const, region: 'eu-west-1', table: 'sentinel-sessions', credentials: { source: 'profile' as const, profile: 'sec-ops' }, blacklistRedis: { url: 'rediss://blacklist.internal:6380', username: 'warden' } };
    const saved = await store.save({ ...request({ store: dynamo }), secret: null, blacklistSecret: SECRET });
    expect(saved).toMatchObject({ hasSecret: false, hasBlacklistSecret: true });
    expect(await file()).not.toContain(SECRET);
    const again = new ConnectionStore(dir.path, new SecretVault(keyring, 'linux'));
    const stored = await again.get(saved.id);
    expect(stored && again.blacklistSecretOf(stored)).toBe(SECRET);
    // Pointing the blacklist elsewhere needs its password again; removing the blacklist drops it.
    const moved = { ...dynamo, blacklistRedis: { url: 'rediss://attacker.example:6380', username: 'warden' } };
    await expect(again.save({ ...request({ id: saved.id, store: moved }), secret: null })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('the blacklist Redis password') });
    const withoutBlacklist = { kind: dynamo.kind, region: dynamo.region, table: dynamo.table, credentials: dynamo.credentials };
    expect(await again.save({ ...request({ id: saved.id, store: withoutBlacklist }), secret: null })).toMatchObject({ hasBlacklistSecret: false });
  });

  it('refuses re-pointing even while this run cannot read the sealed secret (it would be sent later)', async () => {
    const keyring = fakeKeyring();
    const saved = await new ConnectionStore(dir.path, new SecretVault(keyring, 'linux')).save(request());
    const locked = fakeKeyring({ backend: 'basic_text' });
    const store = new ConnectionStore(dir.path, new SecretVault(locked, 'linux'));
    const elsewhere = { kind: 'redis' as const, urls: ['redis://attacker.example:6379'], cluster: false };
    await expect(store.save({ ...request({ id: saved.id, store: elsewhere }), secret: undefined })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('applies concurrent saves one after the other, none lost', async () => {
    const store = new ConnectionStore(dir.path, new SecretVault(fakeKeyring(), 'linux'));
    await Promise.all(Array.from({ length: 6 }, (_, i) => store.save(request({ name: `conn ${i}` }))));
    expect(JSON.parse(await file()).connections).toHaveLength(6);
    expect(await new ConnectionStore(dir.path, new SecretVault(fakeKeyring(), 'linux')).list()).toHaveLength(6);
  });

  it('refuses plain-http remote endpoints, credentials in endpoints, and control characters in names', () => {
    const dynamo = (endpoint: string) => ({ kind: 'dynamodb' as const, region: 'eu-west-1', table: 'sentinel-sessions', endpoint, credentials: { source: 'default' as const } });
    const ok = (r: ConnectionSaveRequest) => ConnectionSaveRequestSchema.safeParse(r).success;
    expect(ok(request({ store: dynamo('https://vpce-1.dynamodb.eu-west-1.vpce.amazonaws.com') }))).toBe(true);
    expect(ok(request({ store: dynamo('http://127.0.0.1:8000') }))).toBe(true);
    expect(ok(request({ store: dynamo('http://dynamo.internal:8000') }))).toBe(false);
    expect(ok(request({ store: dynamo('https://user:pw@dynamo.internal') }))).toBe(false);
    expect(ok(request({ name: 'prod\u202Eweb' }))).toBe(false);
    expect(ok(request({ environment: 'prod\u0007' }))).toBe(false);
  });

  it('refuses a password inside a URL, duplicate names, and reads version 1 files', async () => {
    expect(ConnectionSaveRequestSchema.safeParse(request({ store: { kind: 'redis', urls: ['redis://u:pw@host:6379'], cluster: false } })).success).toBe(false);
    expect(ConnectionSaveRequestSchema.safeParse(request({ store: { kind: 'redis', urls: ['redis://host:6379?password=pw'], cluster: false } })).success).toBe(false);
    const store = new ConnectionStore(dir.path, new SecretVault(fakeKeyring(), 'linux'));
    await store.save(request());
    await expect(store.save(request({ name: 'PROD WEB' }))).rejects.toMatchObject({ code: 'VALIDATION' });
    await writeFile(join(dir.path, 'connections.json'), JSON.stringify({ version: 1, connections: [{ name: 'old', table: 'sentinel-sessions', region: 'eu-west-1', awsProfile: 'ops', readOnly: true }] }));
    const migrated = await new ConnectionStore(dir.path, new SecretVault(fakeKeyring(), 'linux')).list();
    expect(migrated).toEqual([
      expect.objectContaining({ name: 'old', readOnly: true, store: { kind: 'dynamodb', region: 'eu-west-1', table: 'sentinel-sessions', credentials: { source: 'profile', profile: 'ops' } } }),
    ]);
  });
});
