import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { contract, type ParsedRequestOf, type RequestOf, type ResponseOf } from '../../src-shared/contract';
import type { IamSettings } from '../../src-shared/iam-roles';
import { planDenyPolicy } from '../../src-main/iam/deny-policy';
import { Ledger } from '../../src-main/ledger/ledger';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import type { SentinelItem } from '../../src-main/sentinel/sentinel-item';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startIamStub, type IamStub } from '../fixtures/iam-stub';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import type { TempDir } from '../fixtures/temp-dir';

type IamChannel = 'iam:plan' | 'iam:apply' | 'iam:list' | 'iam:remove';
const NO_EVENTS = { emit: () => undefined };
/** Our `revoked_at`, which Sentinel's own item type does not name. */
const revokedAtOf = (item: SentinelItem): string => (item as { revoked_at?: string }).revoked_at ?? '';
const ADMIN_ROLE = 'sentinel-admin';
const APP_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';

/**
 * The app's iam:* channels over a real workspace (DynamoDB Local Sentinel table, the connection's
 * profile → role mapping) and a stand-in for IAM's API on 127.0.0.1 that records each request as
 * the SDK sent it: the exact PutRolePolicy / DeleteRolePolicy, the consent each blast radius
 * needs, read-only and stale confirmations refused, a missing permission explained, all ledgered.
 */
describe('iam:plan / apply / list / remove (DynamoDB Local, a local stand-in for IAM)', () => {
  let table: TestTable;
  let dir: TempDir;
  let iam: IamStub;
  let open: Workspace[] = [];
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeEach(async () => {
    iam = await startIamStub();
    iam.policies.set(ADMIN_ROLE, new Map([['app-permissions', APP_POLICY]]));
  });
  afterEach(async () => {
    for (const ws of open) await ws.close();
    open = [];
    await iam.close();
  });

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const mapping = (): IamSettings => ({ roles: [{ profile: 'prod-admin', role: ADMIN_ROLE }, { profile: 'dev', role: 'sentinel-dev' }], endpoint: iam.url });

  async function workspace(readOnly = false, iamSettings: IamSettings | null = mapping()): Promise<Workspace> {
    const data = join(dir.path, readOnly ? 'auditor' : 'operator');
    mkdirSync(data, { recursive: true });
    const ws = await openWorkspace('0.1.0', data, {
      id: readOnly ? 'auditor' : 'operator',
      name: 'sentinel-prod',
      environment: 'production',
      readOnly,
      store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, ...(iamSettings ? { iam: iamSettings } : {}) },
    }, { chooseSavePath: async () => null, notify: () => undefined });
    open.push(ws);
    return ws;
  }
  /** Through the contract's schemas both ways, as the dispatcher does. */
  async function call<C extends IamChannel>(ws: Workspace, channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    const parsed = contract[channel].request.parse(request) as ParsedRequestOf<C>;
    const handler = ws.handlers[channel] as (r: ParsedRequestOf<C>, c: typeof NO_EVENTS) => Promise<ResponseOf<C>>;
    return contract[channel].response.parse(await handler(parsed, NO_EVENTS)) as ResponseOf<C>;
  }
  async function refused(work: Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await work;
    } catch (error) {
      return { code: (error as { code?: string }).code ?? 'none', message: (error as Error).message };
    }
    throw new Error('expected a refusal');
  }
  const confirmed = async (ws: Workspace) => {
    const info = await ws.handlers['app:info'](undefined, NO_EVENTS);
    return { id: info.connection.id, nonce: info.connection.nonce };
  };
  async function put(overrides: Partial<SentinelItem>): Promise<SentinelItem> {
    const item = { ...sentinelItem({ seconds: nowSeconds() - 600 }), ...overrides };
    await table.put([item]);
    return item;
  }
  const revoked = (user: string, agoSeconds: number, overrides: Partial<SentinelItem> = {}) =>
    put({
      user,
      status: 'revoked',
      revoked_at: formatRfc3339Nano(nowSeconds() - agoSeconds, 0),
      revoked_by: 'jo',
      revoked_reason: 'credential_compromise: laptop stolen',
      source_identity: `sentinel:${user}:${Math.random().toString(16).slice(2, 10)}`,
      ...overrides,
    } as Partial<SentinelItem>);
  const ledgerOf = async (ws: Workspace) => {
    const all = [];
    for await (const e of new Ledger(ws.ledger.path).entries()) all.push(e);
    return all;
  };
  const writes = () => iam.requests.filter((r) => r.Action === 'PutRolePolicy' || r.Action === 'DeleteRolePolicy');

  it('plans per mapped role with the exact document, says which sessions have no role and which were left out; reads IAM only', async () => {
    const ws = await workspace();
    const a = await revoked('mallory', 60);
    const b = await revoked('mallory', 30);
    const dev = await revoked('mallory', 20, { profile: 'dev' });
    const stray = await revoked('mallory', 20, { profile: 'billing-ro' });
    const live = await put({ user: 'mallory' });
    const plan = await call(ws, 'iam:plan', { ids: [a.id, b.id, dev.id, stray.id, live.id], incident: 'INC 42' });
    expect(plan.blast).toBe('precise');
    expect(plan.mappingConfigured).toBe(true);
    expect(plan.readOnly).toBe(false);
    expect(plan.roles.map((r) => [r.role, r.profiles, r.sessions])).toEqual([
      [ADMIN_ROLE, ['prod-admin'], [a.id, b.id].sort()],
      ['sentinel-dev', ['dev'], [dev.id]],
    ]);
    expect(plan.unmapped).toEqual([{ id: stray.id, profile: 'billing-ro' }]);
    expect(plan.skipped).toEqual([{ id: live.id, why: 'active, not revoked: revoke it first' }]);
    const admin = plan.roles[0]?.policy;
    expect(admin?.name).toBe('session-warden-deny-INC-42');
    expect(admin?.form).toBe('precise');
    expect(admin?.budget).toBe(10_240 - APP_POLICY.length);
    expect(admin?.widenedToUsers).toEqual([]);
    expect(JSON.parse(admin?.json ?? '')).toMatchObject({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/SentinelSessionID': [a.id, b.id].sort() } } }] });
    // The latest revocation plus the credential lifetime, rounded up to the second.
    expect(admin?.removableAfter).toBe(new Date(Date.parse(revokedAtOf(b)) + 900_000).toISOString());
    expect(iam.requests.map((r) => r.Action).every((action) => action === 'ListRolePolicies' || action === 'GetRolePolicy')).toBe(true);
    expect(await ledgerOf(ws)).toEqual([]);
  });

  it('says plainly when the connection maps no role', async () => {
    const ws = await workspace(false, null);
    const a = await revoked('oscar', 60);
    const plan = await call(ws, 'iam:plan', { ids: [a.id] });
    expect(plan).toMatchObject({ mappingConfigured: false, roles: [], unmapped: [{ id: a.id, profile: 'prod-admin' }] });
    expect(iam.requests).toEqual([]);
  });

  it('applies exactly the planned document with PutRolePolicy, ledgers who, which role, which ids and the hash; lists it; removal waits for the expiry unless overridden', async () => {
    const ws = await workspace();
    const a = await revoked('mallory', 60);
    const b = await revoked('mallory', 30);
    const connection = await confirmed(ws);
    const plan = await call(ws, 'iam:plan', { ids: [a.id, b.id], incident: 'INC-43' });
    const policy = plan.roles[0]?.policy;
    if (!policy) throw new Error('no policy planned');
    const result = await call(ws, 'iam:apply', { ids: [a.id, b.id], blast: 'precise', incident: 'INC-43', plannedAt: plan.plannedAt, role: ADMIN_ROLE, sha256: policy.sha256, connection });
    expect(result).toMatchObject({ applied: true, role: ADMIN_ROLE, name: 'session-warden-deny-INC-43', sha256: policy.sha256, covers: [a.id, b.id].sort() });
    expect(writes().map(({ Action, RoleName, PolicyName, PolicyDocument }) => ({ Action, RoleName, PolicyName, PolicyDocument }))).toEqual([
      { Action: 'PutRolePolicy', RoleName: ADMIN_ROLE, PolicyName: 'session-warden-deny-INC-43', PolicyDocument: policy.json },
    ]);
    const ledger = await ledgerOf(ws);
    const ids = [a.id, b.id].sort();
    expect(ledger.map((e) => [e.kind, e.sessionId, e.user, e.outcome ?? null])).toEqual([...ids.map((id) => ['attempt', id, 'mallory', null]), ...ids.map((id) => ['outcome', id, 'mallory', 'already_revoked'])]);
    expect(new Set(ledger.map((e) => e.run))).toEqual(new Set([result.run]));
    expect(ledger[0]?.note).toBe(`iam deny: PutRolePolicy session-warden-deny-INC-43 on role ${ADMIN_ROLE} (precise, sha256 ${policy.sha256}, removable after ${policy.removableAfter})`);
    expect(ledger[0]?.reasonCode).toBe('credential_compromise');
    expect(ledger[0]?.operator).toBe((await ws.handlers['app:info'](undefined, NO_EVENTS)).operator);

    const listed = await call(ws, 'iam:list', undefined);
    expect(listed.roles).toEqual([
      { role: ADMIN_ROLE, policies: [{ name: 'session-warden-deny-INC-43', form: 'precise', covers: ids, removableAfter: policy.removableAfter, removableNow: false }] },
      { role: 'sentinel-dev', policies: [] },
    ]);
    // The same plan again: the name is taken, and putting it again would drop these sessions.
    const again = await call(ws, 'iam:plan', { ids: [a.id, b.id], incident: 'INC-43' });
    expect(again.roles[0]).toMatchObject({ policy: null, problem: expect.stringContaining('already attached') });

    const early = await refused(call(ws, 'iam:remove', { role: ADMIN_ROLE, name: 'session-warden-deny-INC-43', connection }));
    expect(early.code).toBe('VALIDATION');
    expect(early.message).toContain(`may be valid until ${policy.removableAfter}`);
    expect(writes().filter((r) => r.Action === 'DeleteRolePolicy')).toEqual([]);
    const forced = await call(ws, 'iam:remove', { role: ADMIN_ROLE, name: 'session-warden-deny-INC-43', override: true, connection });
    expect(forced).toMatchObject({ removed: true, forced: true });
    expect(writes().filter((r) => r.Action === 'DeleteRolePolicy').map(({ RoleName, PolicyName }) => ({ RoleName, PolicyName }))).toEqual([{ RoleName: ADMIN_ROLE, PolicyName: 'session-warden-deny-INC-43' }]);
    expect([...(iam.policies.get(ADMIN_ROLE)?.keys() ?? [])]).toEqual(['app-permissions']);
    const removal = (await ledgerOf(ws)).slice(-4);
    expect(removal.map((e) => [e.kind, e.sessionId, e.user])).toEqual([...ids.map((id) => ['attempt', id, 'mallory']), ...ids.map((id) => ['outcome', id, 'mallory'])]);
    expect(removal[0]?.note).toBe(`iam remove: DeleteRolePolicy session-warden-deny-INC-43 on role ${ADMIN_ROLE} (forced before every covered credential expired)`);
  });

  it('offers removal without an override once every covered credential has expired', async () => {
    const ws = await workspace();
    const connection = await confirmed(ws);
    const old = planDenyPolicy({ sessions: [{ id: 'abcdefabcdefabcd', user: 'ann', revokedAt: new Date(Date.now() - 3_600_000).toISOString() }], form: 'precise', nowMs: Date.now() - 3_500_000, incident: 'INC-OLD' });
    if (!old.ok) throw new Error(old.problem);
    iam.policies.get(ADMIN_ROLE)?.set(old.policy.name, old.policy.json);
    const listed = await call(ws, 'iam:list', undefined);
    expect(listed.roles[0]?.policies).toEqual([{ name: 'session-warden-deny-INC-OLD', form: 'precise', covers: ['abcdefabcdefabcd'], removableAfter: old.policy.removableAfter, removableNow: true }]);
    const removed = await call(ws, 'iam:remove', { role: ADMIN_ROLE, name: 'session-warden-deny-INC-OLD', connection });
    expect(removed).toMatchObject({ removed: true, forced: false });
    const ledger = await ledgerOf(ws);
    expect(ledger.map((e) => [e.kind, e.sessionId, e.user, e.outcome ?? null])).toEqual([
      ['attempt', 'abcdefabcdefabcd', '-', null],
      ['outcome', 'abcdefabcdefabcd', '-', 'already_revoked'],
    ]);
    expect(ledger[0]?.note).toBe(`iam remove: DeleteRolePolicy session-warden-deny-INC-OLD on role ${ADMIN_ROLE}`);
  });

  it('whole role: applied only with the role name typed; the document denies tokens issued before the plan', async () => {
    const ws = await workspace();
    const a = await revoked('trudy', 60);
    const connection = await confirmed(ws);
    const plan = await call(ws, 'iam:plan', { ids: [a.id], blast: 'whole-role', incident: 'INC-44' });
    const policy = plan.roles[0]?.policy;
    if (!policy) throw new Error('no policy planned');
    expect(JSON.parse(policy.json).Statement[0].Condition).toEqual({ DateLessThan: { 'aws:TokenIssueTime': plan.plannedAt } });
    const base = { ids: [a.id], blast: 'whole-role' as const, incident: 'INC-44', plannedAt: plan.plannedAt, role: ADMIN_ROLE, sha256: policy.sha256, connection };
    expect(await refused(call(ws, 'iam:apply', base))).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('needs its name typed exactly') });
    expect(await refused(call(ws, 'iam:apply', { ...base, typedRole: 'sentinel-admi' }))).toMatchObject({ code: 'VALIDATION' });
    expect(writes()).toEqual([]);
    expect(await call(ws, 'iam:apply', { ...base, typedRole: ADMIN_ROLE })).toMatchObject({ applied: true, form: 'whole-role' });
    expect(writes().map((r) => [r.Action, r.RoleName, r.PolicyDocument])).toEqual([['PutRolePolicy', ADMIN_ROLE, policy.json]]);
  });

  it('refuses a document other than the one shown, a stale plan, a read-only connection and a confirmation from another opening: nothing put, nothing ledgered', async () => {
    const ws = await workspace();
    const a = await revoked('victor', 60);
    const connection = await confirmed(ws);
    const plan = await call(ws, 'iam:plan', { ids: [a.id], incident: 'INC-45' });
    const policy = plan.roles[0]?.policy;
    if (!policy) throw new Error('no policy planned');
    const base = { ids: [a.id], blast: 'precise' as const, incident: 'INC-45', plannedAt: plan.plannedAt, role: ADMIN_ROLE, sha256: policy.sha256, connection };
    expect(await refused(call(ws, 'iam:apply', { ...base, sha256: '0'.repeat(64) }))).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('not the one you confirmed') });
    expect(await refused(call(ws, 'iam:apply', { ...base, plannedAt: new Date(Date.now() - 11 * 60_000).toISOString() }))).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('older than 10 minutes') });
    expect(await refused(call(ws, 'iam:apply', { ...base, connection: { ...connection, nonce: 'f'.repeat(32) } }))).toMatchObject({ code: 'CONNECTION_CHANGED' });
    expect(await refused(call(ws, 'iam:apply', { ...base, role: 'sentinel-other' }))).toMatchObject({ code: 'VALIDATION' });

    const auditor = await workspace(true);
    const readOnlyPlan = await call(auditor, 'iam:plan', { ids: [a.id], incident: 'INC-45' });
    expect(readOnlyPlan.readOnly).toBe(true);
    expect(readOnlyPlan.roles[0]?.policy?.json).toBe(policy.json);
    const auditorConnection = await confirmed(auditor);
    expect(await refused(call(auditor, 'iam:apply', { ...base, connection: auditorConnection }))).toMatchObject({ code: 'READ_ONLY' });
    expect(await refused(call(auditor, 'iam:remove', { role: ADMIN_ROLE, name: 'session-warden-deny-INC-45', override: true, connection: auditorConnection }))).toMatchObject({ code: 'READ_ONLY' });
    expect((await call(auditor, 'iam:list', undefined)).readOnly).toBe(true);
    expect(writes()).toEqual([]);
    expect(await ledgerOf(ws)).toEqual([]);
    expect(await ledgerOf(auditor)).toEqual([]);
  });

  it('explains a missing iam:PutRolePolicy and records the failed outcome', async () => {
    const ws = await workspace();
    const a = await revoked('trudy', 60);
    const connection = await confirmed(ws);
    const plan = await call(ws, 'iam:plan', { ids: [a.id], incident: 'INC-46' });
    const policy = plan.roles[0]?.policy;
    if (!policy) throw new Error('no policy planned');
    iam.deny.add('PutRolePolicy');
    const result = await call(ws, 'iam:apply', { ids: [a.id], blast: 'precise', incident: 'INC-46', plannedAt: plan.plannedAt, role: ADMIN_ROLE, sha256: policy.sha256, connection });
    expect(result.applied).toBe(false);
    expect(result.permission).toBe(true);
    expect(result.problem).toMatch(/^iam:PutRolePolicy denied on role sentinel-admin: ask for iam:PutRolePolicy on /);
    const ledger = await ledgerOf(ws);
    expect(ledger.map((e) => [e.kind, e.outcome ?? null])).toEqual([
      ['attempt', null],
      ['outcome', 'failed'],
    ]);
    expect(ledger[1]?.error).toBe(result.problem);
    // Once the permission is granted, the same confirmation applies it.
    iam.deny.delete('PutRolePolicy');
    const again = await call(ws, 'iam:apply', { ids: [a.id], blast: 'precise', incident: 'INC-46', plannedAt: plan.plannedAt, role: ADMIN_ROLE, sha256: policy.sha256, connection });
    expect(again).toMatchObject({ applied: true });
  });

  it("refuses to plan a policy when the role's inline policies cannot be listed: a policy of the same name would be replaced unseen", async () => {
    const ws = await workspace();
    const a = await revoked('uma', 60);
    const connection = await confirmed(ws);
    iam.deny.add('ListRolePolicies');
    const plan = await call(ws, 'iam:plan', { ids: [a.id], incident: 'INC-47' });
    expect(plan.roles[0]?.policy).toBeNull();
    expect(plan.roles[0]?.problem).toMatch(/^role sentinel-admin's inline policies could not be listed .*nothing will be put\. Ask for those two permissions on role sentinel-admin\.$/);
    const result = await refused(call(ws, 'iam:apply', { ids: [a.id], blast: 'precise', incident: 'INC-47', plannedAt: plan.plannedAt, role: ADMIN_ROLE, sha256: '0'.repeat(64), connection }));
    expect(result.code).toBe('VALIDATION');
    expect(iam.requests.some((r) => r.Action === 'PutRolePolicy')).toBe(false);
  });

  it('a precise plan widened to its users (sentinel:<user>:*) needs an explicit acceptance; a source identity naming another user is refused', async () => {
    const ws = await workspace();
    const sessions = [await revoked('mallory', 60), await revoked('mallory', 50), await revoked('mallory', 40)];
    const ids = sessions.map((s) => s.id);
    // Fill the role so that neither the ids nor the exact source identities fit, but the user pattern does.
    const asRevoked = sessions.map((s) => ({ id: s.id, user: s.user, revokedAt: revokedAtOf(s), sourceIdentity: s.source_identity }));
    const size = (form: 'precise' | 'source-identity') => {
      const p = planDenyPolicy({ sessions: asRevoked, form, nowMs: Date.now(), incident: 'INC-47' });
      if (!p.ok) throw new Error(p.problem);
      return p.policy.size;
    };
    const budget = Math.min(size('precise'), size('source-identity')) - 1;
    const shell = (fill: string) => `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${fill}"}]}`;
    const filler = shell('x'.repeat(10_240 - budget - shell('').length));
    iam.policies.set(ADMIN_ROLE, new Map([['app-permissions', filler]]));
    expect(10_240 - filler.length).toBe(budget);
    const connection = await confirmed(ws);
    const plan = await call(ws, 'iam:plan', { ids, incident: 'INC-47' });
    const policy = plan.roles[0]?.policy;
    if (!policy) throw new Error(plan.roles[0]?.problem ?? 'no policy planned');
    expect(policy.form).toBe('source-identity');
    expect(policy.widenedToUsers).toEqual(['mallory']);
    expect(JSON.parse(policy.json).Statement[0].Condition).toEqual({ StringLike: { 'aws:SourceIdentity': ['sentinel:mallory:*'] } });
    expect(plan.roles[0]?.notes.join(' ')).toMatch(/also denies those users' live Sentinel sessions/);
    const base = { ids, blast: 'precise' as const, incident: 'INC-47', plannedAt: plan.plannedAt, role: ADMIN_ROLE, sha256: policy.sha256, connection };
    expect(await refused(call(ws, 'iam:apply', base))).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('needs your explicit acceptance') });
    expect(writes()).toEqual([]);
    expect(await call(ws, 'iam:apply', { ...base, acceptWidened: true })).toMatchObject({ applied: true });
    expect(writes().map((r) => r.PolicyDocument)).toEqual([policy.json]);
    expect((await ledgerOf(ws))[0]?.note).toContain('widened to every Sentinel credential of mallory');

    // One of them carrying another user's source identity: never widened to that user.
    const odd = await revoked('mallory', 30, { source_identity: 'sentinel:eve:0badf00d' } as Partial<SentinelItem>);
    const refusedPlan = await call(ws, 'iam:plan', { ids: [...ids, odd.id], incident: 'INC-48' });
    expect(refusedPlan.roles[0]).toMatchObject({ policy: null, problem: expect.stringContaining(`names user "eve", but the session is "mallory"'s`) });
  });

  it('an empty mapping: every session is said to have no known role, and nothing is listed', async () => {
    const ws = await workspace(false, { roles: [] });
    const a = await revoked('ann', 30);
    const plan = await call(ws, 'iam:plan', { ids: [a.id] });
    expect(plan).toMatchObject({ mappingConfigured: false, roles: [], unmapped: [{ id: a.id, profile: 'prod-admin' }] });
    expect((await call(ws, 'iam:list', undefined)).roles).toEqual([]);
  });
});
