import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { planDenyPolicy } from '../../src-main/iam/deny-policy';
import { Ledger } from '../../src-main/ledger/ledger';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { startIamStub } from '../fixtures/iam-stub';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { tempDir } from '../fixtures/temp-dir';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import type { TempDir } from '../fixtures/temp-dir';

const APP_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';

describe('session-warden iam deny / list / remove (spawned; DynamoDB Local and a local stand-in for the IAM API)', () => {
  let table: TestTable;
  let dir: TempDir;
  let iam: Awaited<ReturnType<typeof startIamStub>>;
  let conn: string[];
  let ledgerPath: string;
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeEach(async () => {
    iam = await startIamStub();
    iam.policies.set('sentinel-app', new Map([['app-permissions', APP_POLICY]]));
    ledgerPath = join(dir.path, 'ledger.jsonl');
    conn = ['--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--ledger', ledgerPath, '--iam-endpoint', iam.url];
  });
  afterEach(async () => iam.close());

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  async function put(overrides: Record<string, unknown>): Promise<{ id: string; source_identity: string }> {
    const item = { ...sentinelItem({ seconds: nowSeconds() - 600 }), ...overrides };
    await table.client.send(new PutCommand({ TableName: table.name, Item: item }));
    return item;
  }
  const revoked = (user: string, agoSeconds: number) =>
    put({ user, status: 'revoked', revoked_at: formatRfc3339Nano(nowSeconds() - agoSeconds, 0), revoked_by: 'jo', revoked_reason: 'credential_compromise: laptop stolen', source_identity: `sentinel:${user}:${Math.random().toString(16).slice(2, 10)}` });
  const entries = async () => {
    const all = [];
    for await (const e of new Ledger(ledgerPath).entries()) all.push(e);
    return all;
  };

  it('--dry-run prints the precise document and contacts nothing: no IAM request, no ledger entry', async () => {
    const a = await revoked('oscar', 60);
    const result = await runCli(['iam', 'deny', '--role', 'sentinel-app', '--session', a.id, '--incident', 'INC 7', '--dry-run', '--output', 'json', ...conn], isolatedEnv());
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { state: string; name: string; covers: string[]; document: { Statement: { Effect: string; Condition: unknown }[] } };
    expect(out.state).toBe('dry-run');
    expect(out.name).toBe('session-warden-deny-INC-7');
    expect(out.document.Statement[0]?.Condition).toEqual({ StringEquals: { 'aws:PrincipalTag/SentinelSessionID': [a.id] } });
    expect(result.stderr).toMatch(/dry run: nothing was written/);
    expect(iam.requests).toEqual([]);
    expect(await entries()).toEqual([]);
  });

  it('applies: counts the role\'s other inline policies, puts exactly the document, ledgers attempt and outcome with the hash', async () => {
    const a = await revoked('mallory', 60);
    const b = await revoked('mallory', 30);
    const result = await runCli(['iam', 'deny', '--role', 'sentinel-app', '--user', 'mallory', '--incident', 'INC-8', '--output', 'json', ...conn], isolatedEnv());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { sha256: string; covers: string[]; removableAfter: string };
    const ids = [a.id, b.id].sort();
    expect(out.covers).toEqual(ids);
    expect(iam.requests.map((r) => `${r.Action} ${r.PolicyName ?? ''}`.trim())).toEqual(['ListRolePolicies', 'GetRolePolicy app-permissions', 'PutRolePolicy session-warden-deny-INC-8']);
    const putRequest = iam.requests[2];
    expect(putRequest?.RoleName).toBe('sentinel-app');
    expect(JSON.parse(putRequest?.PolicyDocument ?? '')).toMatchObject({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/SentinelSessionID': ids } } }] });
    const ledger = await entries();
    expect(ledger.map((e) => [e.kind, e.sessionId, e.outcome ?? null])).toEqual([...ids.map((id) => ['attempt', id, null]), ...ids.map((id) => ['outcome', id, 'already_revoked'])]);
    expect(ledger[0]?.note).toContain(`sha256 ${out.sha256}`);
    expect(ledger[0]?.reasonCode).toBe('credential_compromise');

    // iam list reads it back; removing it before the credentials expire is refused.
    const listed = await runCli(['iam', 'list', '--role', 'sentinel-app', '--iam-endpoint', iam.url, '--output', 'json'], isolatedEnv());
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{ name: 'session-warden-deny-INC-8', form: 'precise', covers: ids, removableAfter: out.removableAfter, removableNow: false }]);
    const early = await runCli(['iam', 'remove', '--role', 'sentinel-app', '--policy', 'session-warden-deny-INC-8', ...conn], isolatedEnv());
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/may be valid until .*use --force; nothing was removed/);
    expect(iam.requests.filter((r) => r.Action === 'DeleteRolePolicy')).toEqual([]);
    const forced = await runCli(['iam', 'remove', '--role', 'sentinel-app', '--policy', 'session-warden-deny-INC-8', '--force', ...conn], isolatedEnv());
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(iam.requests.filter((r) => r.Action === 'DeleteRolePolicy').map(({ RoleName, PolicyName }) => ({ RoleName, PolicyName }))).toEqual([{ RoleName: 'sentinel-app', PolicyName: 'session-warden-deny-INC-8' }]);
    expect([...(iam.policies.get('sentinel-app')?.keys() ?? [])]).toEqual(['app-permissions']);
    expect((await entries()).slice(-4).map((e) => [e.kind, e.sessionId, e.user])).toEqual([...ids.map((id) => ['attempt', id, 'mallory']), ...ids.map((id) => ['outcome', id, 'mallory'])]);
    expect((await entries()).slice(-1)[0]?.note).toMatch(/iam remove: DeleteRolePolicy session-warden-deny-INC-8 on role sentinel-app \(forced/);
  });

  it('refuses a second deny under a name already attached: it would drop the first one\'s sessions while their credentials work', async () => {
    const first = await revoked('victor', 60);
    const put = await runCli(['iam', 'deny', '--role', 'sentinel-app', '--session', first.id, '--incident', 'INC-9', ...conn], isolatedEnv());
    expect(put.code, put.stderr).toBe(0);
    const second = await revoked('victor', 30);
    const before = iam.requests.filter((r) => r.Action === 'PutRolePolicy').length;
    const again = await runCli(['iam', 'deny', '--role', 'sentinel-app', '--session', second.id, '--incident', 'INC-9', ...conn], isolatedEnv());
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('a deny policy named session-warden-deny-INC-9 is already attached to role sentinel-app');
    expect(iam.requests.filter((r) => r.Action === 'PutRolePolicy').length).toBe(before);
    const other = await runCli(['iam', 'deny', '--role', 'sentinel-app', '--session', second.id, '--incident', 'INC-9-2', ...conn], isolatedEnv());
    expect(other.code, other.stderr).toBe(0);
  });

  it('a fallback to sentinel:<user>:* (their live sessions too) needs --force', async () => {
    const sessions = [await revoked('mallory', 60), await revoked('mallory', 50), await revoked('mallory', 40)];
    const asRevoked = sessions.map((s) => ({ id: s.id, user: 'mallory', revokedAt: (s as { revoked_at?: string }).revoked_at ?? '', sourceIdentity: s.source_identity }));
    const size = (form: 'precise' | 'source-identity') => {
      const p = planDenyPolicy({ sessions: asRevoked, form, nowMs: Date.now(), incident: 'INC-10' });
      if (!p.ok) throw new Error(p.problem);
      return p.policy.size;
    };
    // The role so full that neither the ids nor the exact source identities fit, but the user pattern does.
    const budget = Math.min(size('precise'), size('source-identity')) - 1;
    const shell = (fill: string) => `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${fill}"}]}`;
    iam.policies.set('sentinel-app', new Map([['app-permissions', shell('x'.repeat(10_240 - budget - shell('').length))]]));
    const args = ['iam', 'deny', '--role', 'sentinel-app', ...sessions.flatMap((s) => ['--session', s.id]), '--incident', 'INC-10', ...conn];
    const refused = await runCli(args, isolatedEnv());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/denies every Sentinel credential of mallory \(sentinel:<user>:\*\), their live sessions too; add --force/);
    expect(iam.requests.filter((r) => r.Action === 'PutRolePolicy')).toEqual([]);
    expect(await entries()).toEqual([]);
    const forced = await runCli([...args, '--force', '--output', 'json'], isolatedEnv());
    expect(forced.code, forced.stderr).toBe(0);
    const put = iam.requests.filter((r) => r.Action === 'PutRolePolicy');
    expect(put.map((r) => JSON.parse(r.PolicyDocument ?? '').Statement[0].Condition)).toEqual([{ StringLike: { 'aws:SourceIdentity': ['sentinel:mallory:*'] } }]);
    expect((await entries())[0]?.note).toContain('widened to every Sentinel credential of mallory');
  });

  it('--connection without --role: the saved connection\'s profile → role mapping names the role (and IAM\'s endpoint); unknown or several roles are refused', async () => {
    const home = await tempDir();
    try {
      const dataDir = join(home.path, 'Session Warden');
      await mkdir(dataDir, { recursive: true });
      const saved = new ConnectionStore(dataDir, new SecretVault(fakeKeyring(), 'linux'));
      const dynamo = { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' } } as const;
      await saved.save({ name: 'mapped', environment: 'production', colour: 'red', readOnly: false, store: { ...dynamo, iam: { roles: [{ profile: 'prod-admin', role: 'sentinel-app' }, { profile: 'dev', role: 'sentinel-dev' }], endpoint: iam.url } } });
      await saved.save({ name: 'unmapped', environment: 'production', colour: 'red', readOnly: false, store: dynamo });
      const env = isolatedEnv({ XDG_CONFIG_HOME: home.path });
      const a = await revoked('quinn', 60);
      const applied = await runCli(['iam', 'deny', '--connection', 'mapped', '--session', a.id, '--incident', 'INC-11', '--output', 'json'], env);
      expect(applied.code, applied.stderr).toBe(0);
      expect(JSON.parse(applied.stdout)).toMatchObject({ state: 'applied', role: 'sentinel-app', name: 'session-warden-deny-INC-11' });
      expect(iam.requests.filter((r) => r.Action === 'PutRolePolicy').map((r) => [r.RoleName, r.PolicyName])).toEqual([['sentinel-app', 'session-warden-deny-INC-11']]);

      const dev = await revoked('quinn', 30);
      await table.client.send(new PutCommand({ TableName: table.name, Item: { ...dev, profile: 'dev' } }));
      const several = await runCli(['iam', 'deny', '--connection', 'mapped', '--session', a.id, '--session', dev.id, '--incident', 'INC-12'], env);
      expect(several.code).toBe(2);
      expect(several.stderr).toContain('these sessions are vended for several roles (sentinel-app: ');
      expect(several.stderr).toContain(`sentinel-dev: ${dev.id}`);
      const stray = await revoked('quinn', 20);
      await table.client.send(new PutCommand({ TableName: table.name, Item: { ...stray, profile: 'billing' } }));
      const unknown = await runCli(['iam', 'deny', '--connection', 'mapped', '--session', stray.id], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(`maps no IAM role for ${stray.id} (profile billing)`);
      const none = await runCli(['iam', 'deny', '--connection', 'unmapped', '--session', a.id], env);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('connection "unmapped" maps no Sentinel profile to an IAM role: give --role NAME');
      expect(iam.requests.filter((r) => r.Action === 'PutRolePolicy')).toHaveLength(1);
    } finally {
      await home.remove();
    }
  });

  it('refuses a live session: nothing sent to IAM, nothing ledgered', async () => {
    const live = await put({});
    const result = await runCli(['iam', 'deny', '--role', 'sentinel-app', '--session', live.id, ...conn], isolatedEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is active, not revoked: revoke it first/);
    expect(iam.requests).toEqual([]);
    expect(await entries()).toEqual([]);
  });

  it('explains a missing iam:PutRolePolicy and records the failed outcome', async () => {
    const a = await revoked('trudy', 60);
    iam.deny.add('PutRolePolicy');
    const result = await runCli(['iam', 'deny', '--role', 'sentinel-app', '--session', a.id, '--form', 'source-identity', ...conn], isolatedEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/iam:PutRolePolicy denied on role sentinel-app: ask for iam:PutRolePolicy on arn:aws:iam::[^:]*:role\/sentinel-app/);
    const ledger = await entries();
    expect(ledger.map((e) => e.kind)).toEqual(['attempt', 'outcome']);
    // The deny did not land: the outcome says failed, never a success with an error beside it.
    expect(ledger[1]?.outcome).toBe('failed');
    expect(ledger[1]?.error).toMatch(/iam:PutRolePolicy denied/);
  });

  it('exit 3 when IAM cannot be reached, before anything is written', async () => {
    const a = await revoked('trudy', 60);
    await iam.close();
    const result = await runCli(['iam', 'deny', '--role', 'sentinel-app', '--session', a.id, ...conn], isolatedEnv());
    expect(result.code).toBe(3);
    expect(await entries()).toEqual([]);
    iam = await startIamStub();
  });
});
