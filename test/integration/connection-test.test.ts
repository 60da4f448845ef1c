import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listAwsProfiles } from '../../src-main/connections/aws-profiles';
import { testDynamoConnection, testRedisConnection } from '../../src-main/connections/connection-test';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { sentinelTableDefinition } from '../../src-main/sentinel/table-schema';
import { makeTlsFiles, startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { Redis } from 'ioredis';

describe('testing a DynamoDB connection (DynamoDB Local)', () => {
  let table: TestTable;
  const partial = `sentinel-partial-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    table = await createSentinelTable(inject('dynamoEndpoint'));
    // A table with only two of Sentinel's four indexes.
    const definition = sentinelTableDefinition(partial);
    definition.GlobalSecondaryIndexes = definition.GlobalSecondaryIndexes?.filter((i) => i.IndexName === 'gsi-status' || i.IndexName === 'gsi-profile');
    definition.AttributeDefinitions = definition.AttributeDefinitions?.filter((a) => a.AttributeName !== 'user' && a.AttributeName !== 'server_instance_id');
    const client = localDynamoClient(inject('dynamoEndpoint'));
    await client.send(new CreateTableCommand(definition));
    client.destroy();
  });
  afterAll(async () => {
    await table?.drop();
    const client = localDynamoClient(inject('dynamoEndpoint'));
    await client.send(new DeleteTableCommand({ TableName: partial })).catch(() => undefined);
    client.destroy();
  });

  const store = (tableName: string, endpoint = inject('dynamoEndpoint')) => ({ kind: 'dynamodb' as const, region: 'local', table: tableName, endpoint, credentials: { source: 'default' as const } });

  it('passes for a Sentinel table, naming who revocations are recorded as', async () => {
    const result = await testDynamoConnection(store(table.name), null);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => [c.name, c.state])).toEqual([['Table', 'ok'], ['Indexes', 'ok'], ['Recorded as', 'ok']]);
    expect(result.checks[2]?.detail).toMatch(/recorded as local:/);
  });

  it('names each missing index and what stops working without it', async () => {
    const result = await testDynamoConnection(store(partial), null);
    expect(result.ok).toBe(false);
    const failed = result.checks.filter((c) => c.state === 'failed');
    expect(failed.map((c) => c.name)).toEqual(['Index gsi-user', 'Index gsi-server-instance']);
    expect(failed[0]?.detail).toContain("a user's sessions (offboarding, revoke all of a user) would need a scan of the whole table");
  });

  it('says when the table does not exist, or the endpoint does not answer', async () => {
    const missing = await testDynamoConnection(store('no-such-table'), null);
    expect(missing.checks[0]).toMatchObject({ name: 'Table', state: 'failed', detail: expect.stringContaining('No table "no-such-table"') });
    const down = await testDynamoConnection(store(table.name, 'http://127.0.0.1:1'), null);
    expect(down.checks[0]).toMatchObject({ state: 'failed', detail: expect.stringContaining('Cannot reach http://127.0.0.1:1') });
  });

  it('asks for the secret of static keys when it is not available', async () => {
    const result = await testDynamoConnection({ ...store(table.name), credentials: { source: 'static', accessKeyId: 'AKIAEXAMPLEEXAMPLE12' } }, null);
    expect(result.checks[0]?.detail).toContain('secret access key of this connection is not available');
  });
});

describe('testing a Redis connection (redis-server)', () => {
  let dir: TempDir;
  let plain: RunningRedis;
  let secured: RunningRedis;
  let tls: Awaited<ReturnType<typeof makeTlsFiles>>;
  let tlsServer: RunningRedis;

  beforeAll(async () => {
    dir = await tempDir();
    tls = await makeTlsFiles(dir.path);
    [plain, secured, tlsServer] = await Promise.all([startRedisServer(), startRedisServer({ password: 'right-password' }), startRedisServer({ tls })]);
    const admin = new Redis(plain.url);
    await writeWebSessions(admin, [webSession('ann', Date.now())], Date.now());
    admin.disconnect();
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), secured?.stop(), tlsServer?.stop()]);
    await dir?.remove();
  });

  const store = (url: string) => ({ kind: 'redis' as const, urls: [url], cluster: false });

  it('passes for a working server, finds the layout, and warns that appendonly is off', async () => {
    const result = await testRedisConnection(store(plain.url), null);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => [c.name, c.state])).toEqual([['Connect', 'ok'], ['Version', 'ok'], ['Layout', 'ok'], ['Durability', 'warning']]);
    expect(result.checks[1]?.detail).toMatch(/^Redis 7\./);
    expect(result.checks[3]?.detail).toContain('a lost entry re-opens its session');
  });

  it('says so, clearly, for a wrong password, a missing one, a TLS mismatch and an unreachable port', async () => {
    const wrong = await testRedisConnection(store(secured.url), 'wrong-password');
    expect(wrong).toMatchObject({ ok: false, checks: [{ state: 'failed', detail: expect.stringContaining('refused the user name or password (WRONGPASS)') }] });
    expect(JSON.stringify(wrong)).not.toContain('wrong-password');
    const none = await testRedisConnection(store(secured.url), null);
    expect(none.checks[0]?.detail).toContain('requires a password');
    const ok = await testRedisConnection(store(secured.url), 'right-password');
    expect(ok.checks[0]?.state).toBe('ok');
    // TLS server spoken to in plain text, and a TLS client whose CA does not trust the server.
    const plainToTls = await testRedisConnection(store(tlsServer.url.replace('rediss:', 'redis:')), null);
    expect(plainToTls.checks[0]?.detail).toMatch(/closed the connection .*use rediss:\/\/ instead of redis:\/\//);
    const untrusted = await testRedisConnection(store(tlsServer.url), null);
    expect(untrusted.checks[0]?.detail).toMatch(/TLS handshake with rediss:\/\/127\.0\.0\.1:\d+ failed \(.*certificate/);
    // With the private CA given in the connection (as the editor saves it): trusted.
    const withCa = await testRedisConnection({ ...store(tlsServer.url), tlsCa: await readFile(tls.ca, 'utf8') }, null);
    expect(withCa.checks.map((c) => c.state)).toEqual(['ok', 'ok', 'warning', 'warning']);
    const down = await testRedisConnection(store('redis://127.0.0.1:1'), null);
    expect(down.checks[0]?.detail).toContain('Nothing answers at redis://127.0.0.1:1');
  });
});

describe('AWS profiles', () => {
  it('are listed from AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE with their kind, never their keys', async () => {
    const dir = await tempDir();
    try {
      const config = join(dir.path, 'config');
      const credentials = join(dir.path, 'credentials');
      await writeFile(
        config,
        [
          '[default]', 'region = eu-west-1',
          '[profile sec-ops]', 'sso_session = corp', 'sso_account_id = 111122223333', 'sso_role_name = SecOps', 'region = eu-west-1',
          '[profile legacy-sso]', 'sso_start_url = https://corp.awsapps.com/start', 'sso_region = eu-west-1',
          '[profile auditor]', 'role_arn = arn:aws:iam::111122223333:role/Auditor', 'source_profile = default',
          '[profile vault]', 'credential_process = /usr/local/bin/vault-aws',
          '[sso-session corp]', 'sso_start_url = https://corp.awsapps.com/start', 'sso_region = eu-west-1',
        ].join('\n'),
      );
      await writeFile(credentials, ['[default]', 'aws_access_key_id = AKIACANARYPROFILE001', 'aws_secret_access_key = canary-profile-secret'].join('\n'));
      const profiles = await listAwsProfiles({ AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials });
      expect(profiles).toEqual([
        { name: 'auditor', kind: 'role' },
        { name: 'default', kind: 'static', region: 'eu-west-1' },
        { name: 'legacy-sso', kind: 'sso' },
        { name: 'sec-ops', kind: 'sso', region: 'eu-west-1' },
        { name: 'vault', kind: 'process' },
      ]);
      expect(JSON.stringify(profiles)).not.toMatch(/canary-profile-secret|AKIACANARYPROFILE001/);
      expect(await readFile(credentials, 'utf8')).toContain('canary'); // the file was really there
    } finally {
      await dir.remove();
    }
  });
});
