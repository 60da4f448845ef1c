import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  denyPolicyName,
  iamPolicySize,
  latestCoveredExpiry,
  planDenyPolicy,
  readDenyPolicy,
  ROLE_INLINE_POLICY_CHARS,
  type DenyPolicy,
  type RevokedSession,
} from '../../src-main/iam/deny-policy';

const NOW = Date.UTC(2026, 10, 30, 19, 30, 0, 250);
const REVOKED: RevokedSession[] = [
  { id: 'b0b0b0b0b0b0b0b0', user: 'bob', revokedAt: '2026-11-30T19:20:00.000Z', sourceIdentity: 'sentinel:bob:b0b0b0b0' },
  { id: 'a1a1a1a1a1a1a1a1', user: 'alice', revokedAt: '2026-11-30T19:25:10.500Z', sourceIdentity: 'sentinel:alice:a1a1a1a1' },
];

function policyOf(plan: ReturnType<typeof planDenyPolicy>): DenyPolicy {
  if (!plan.ok) throw new Error(plan.problem);
  return plan.policy;
}

describe('golden deny documents', () => {
  it('precise: the revoked ids as the SentinelSessionID principal tag, sorted; removable a credential lifetime after the last revocation', () => {
    const policy = policyOf(planDenyPolicy({ sessions: REVOKED, form: 'precise', nowMs: NOW, incident: 'INC 4711/ssh*leak' }));
    expect(policy.name).toBe('session-warden-deny-INC-4711-ssh-leak');
    expect(policy.json).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"SessionWardenDenyRevokedSentinelSessionsRemovableAfter20261130T194011Z","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/SentinelSessionID":["a1a1a1a1a1a1a1a1","b0b0b0b0b0b0b0b0"]}}}]}',
    );
    expect(policy.removableAfter).toBe('2026-11-30T19:40:11.000Z');
    expect(policy.covers).toEqual(['a1a1a1a1a1a1a1a1', 'b0b0b0b0b0b0b0b0']);
    expect(policy.size).toBe(policy.json.length);
    expect(policy.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The hash is of the canonical JSON: key order does not change it.
    const reordered = { Statement: policy.document.Statement, Version: policy.document.Version };
    expect(canonicalJson(reordered)).toBe(canonicalJson(policy.document));
    expect(readDenyPolicy(JSON.parse(policy.json))).toEqual({ form: 'precise', covers: policy.covers, removableAfter: policy.removableAfter });
  });

  it('source identity: the exact identities', () => {
    const policy = policyOf(planDenyPolicy({ sessions: REVOKED, form: 'source-identity', nowMs: NOW }));
    expect(policy.name).toBe('session-warden-deny-20261130T193001Z');
    expect(policy.document.Statement[0]?.Condition).toEqual({ StringEquals: { 'aws:SourceIdentity': ['sentinel:alice:a1a1a1a1', 'sentinel:bob:b0b0b0b0'] } });
    expect(policy.document.Statement[0]?.Sid).toBe('SessionWardenDenyRevokedSentinelSourceIdentitiesRemovableAfter20261130T194011Z');
  });

  it("whole role: AWS's own method, every token issued before now", () => {
    const policy = policyOf(planDenyPolicy({ sessions: [], form: 'whole-role', nowMs: NOW, incident: 'IR-9' }));
    expect(policy.json).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"SessionWardenDenyTokensIssuedBeforeCutoffRemovableAfter20261130T194501Z","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-11-30T19:30:00.250Z"}}}]}',
    );
    expect(readDenyPolicy(policy.document).form).toBe('whole-role');
  });

  it('names follow IAM rules: letters, digits and +=,.@_- only, at most 128', () => {
    expect(denyPolicyName(NOW, 'a'.repeat(200))).toHaveLength(128);
    expect(denyPolicyName(NOW, 'ïñç/\\ *?')).toBe('session-warden-deny-20261130T193001Z');
    expect(denyPolicyName(NOW, 'ok+=,.@_-x')).toBe('session-warden-deny-ok+=,.@_-x');
    expect(denyPolicyName(NOW, 'INC 1')).toMatch(/^[A-Za-z0-9+=,.@_-]{1,128}$/);
  });

  it('latest covered expiry is the last revocation plus the 15-minute credential lifetime', () => {
    expect(latestCoveredExpiry(REVOKED)).toBe('2026-11-30T19:40:10.500Z');
  });

  it('refuses what it cannot cover: no sessions, a non-Sentinel id, a missing source identity', () => {
    expect(planDenyPolicy({ sessions: [], form: 'precise', nowMs: NOW })).toMatchObject({ ok: false });
    expect(planDenyPolicy({ sessions: [{ ...REVOKED[0], id: 'NOT-HEX' } as RevokedSession], form: 'precise', nowMs: NOW })).toMatchObject({ ok: false, problem: expect.stringContaining('not a Sentinel session id') });
    expect(planDenyPolicy({ sessions: [{ id: 'c2c2c2c2c2c2c2c2', user: 'carol', revokedAt: '2026-11-30T19:00:00Z' }], form: 'source-identity', nowMs: NOW })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('no source identity for c2c2c2c2c2c2c2c2'),
    });
  });
});

describe('size: IAM counts a role\'s inline policies together (10,240 characters)', () => {
  const many = (n: number, users = 3): RevokedSession[] =>
    Array.from({ length: n }, (_, i) => ({ id: i.toString(16).padStart(16, '0'), user: `u${i % users}`, revokedAt: '2026-11-30T19:00:00Z', sourceIdentity: `sentinel:u${i % users}:${i.toString(16).padStart(8, '0')}-long-suffix` }));

  it('keeps the precise form while it fits, and says nothing', () => {
    const plan = planDenyPolicy({ sessions: many(400), form: 'precise', nowMs: NOW });
    expect(plan.ok && plan.policy.form).toBe('precise');
    expect(plan.ok && plan.policy.size).toBeLessThanOrEqual(ROLE_INLINE_POLICY_CHARS);
    expect(plan.notes).toEqual([]);
  });

  it('falls back to source identity by user when the ids do not fit, and says the blast radius grew', () => {
    const plan = planDenyPolicy({ sessions: many(600), form: 'precise', nowMs: NOW });
    const policy = policyOf(plan);
    expect(policy.form).toBe('source-identity');
    expect(policy.document.Statement[0]?.Condition).toEqual({ StringLike: { 'aws:SourceIdentity': ['sentinel:u0:*', 'sentinel:u1:*', 'sentinel:u2:*'] } });
    expect(policy.covers).toHaveLength(600);
    expect(plan.notes.join(' ')).toMatch(/falling back to source identities/);
    expect(plan.notes.join(' ')).toMatch(/also denies those users' live Sentinel sessions/);
    // Said as data too: applying it needs an extra consent (--force, the app's second confirmation).
    expect(policy.widenedToUsers).toEqual(['u0', 'u1', 'u2']);
    expect(policyOf(planDenyPolicy({ sessions: many(400), form: 'precise', nowMs: NOW })).widenedToUsers).toEqual([]);
  });

  it("refuses to widen to a user the source identity names when the session is someone else's", () => {
    const sessions = many(600);
    const odd = sessions[7] as RevokedSession;
    sessions[7] = { ...odd, sourceIdentity: `sentinel:mallory:${odd.id}` };
    const plan = planDenyPolicy({ sessions, form: 'precise', nowMs: NOW });
    expect(plan).toMatchObject({ ok: false, problem: expect.stringContaining(`the source identity of session ${odd.id} names user "mallory", but the session is "${odd.user}"'s`) });
    // The exact identities still fit under a larger budget: no widening, so no check needed.
    expect(planDenyPolicy({ sessions: sessions.slice(0, 20), form: 'source-identity', nowMs: NOW }).ok).toBe(true);
  });

  it("counts the role's other inline policies: a small budget forces the fallback", () => {
    const plan = planDenyPolicy({ sessions: many(10), form: 'precise', nowMs: NOW, budgetChars: 300 });
    expect(plan.ok && plan.policy.form).toBe('source-identity');
    expect(planDenyPolicy({ sessions: many(10), form: 'precise', nowMs: NOW, budgetChars: 100 })).toMatchObject({ ok: false, problem: expect.stringContaining('whole-role') });
  });

  it('measures as IAM does, without white space', () => {
    expect(iamPolicySize('{ "a" : [ 1,\n 2 ] }')).toBe('{"a":[1,2]}'.length);
  });
});

// Evaluation by an IAM policy simulator (@cloud-copilot/iam-simulate): the role has an Allow
// policy and our deny; a request is denied exactly when the deny should apply.
const ALLOW = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

async function decide(policy: DenyPolicy, context: Record<string, string>): Promise<string> {
  const simulation: Simulation = {
    identityPolicies: [
      { name: 'role-allow', policy: ALLOW },
      { name: policy.name, policy: JSON.parse(policy.json) as Record<string, unknown> },
    ],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal: 'arn:aws:sts::123456789012:assumed-role/sentinel-app/session',
      action: 's3:GetObject',
      resource: { resource: 'arn:aws:s3:::incident-bucket/report.csv', accountId: '123456789012' },
      contextVariables: context,
    },
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

describe('simulated evaluation of each form', () => {
  it('precise: a revoked id is denied; a live id, or no tag, is allowed', async () => {
    const policy = policyOf(planDenyPolicy({ sessions: REVOKED, form: 'precise', nowMs: NOW }));
    expect(await decide(policy, { 'aws:PrincipalTag/SentinelSessionID': 'a1a1a1a1a1a1a1a1' })).toBe('ExplicitlyDenied');
    expect(await decide(policy, { 'aws:PrincipalTag/SentinelSessionID': 'b0b0b0b0b0b0b0b0' })).toBe('ExplicitlyDenied');
    expect(await decide(policy, { 'aws:PrincipalTag/SentinelSessionID': 'c3c3c3c3c3c3c3c3' })).toBe('Allowed');
    expect(await decide(policy, {})).toBe('Allowed');
  });

  it('source identity: a revoked identity is denied; another, or none, is allowed', async () => {
    const policy = policyOf(planDenyPolicy({ sessions: REVOKED, form: 'source-identity', nowMs: NOW }));
    expect(await decide(policy, { 'aws:SourceIdentity': 'sentinel:alice:a1a1a1a1' })).toBe('ExplicitlyDenied');
    expect(await decide(policy, { 'aws:SourceIdentity': 'sentinel:alice:ffffffff' })).toBe('Allowed');
    expect(await decide(policy, {})).toBe('Allowed');
  });

  it('source identity by user (the fallback): every identity of the user is denied, other users are not', async () => {
    const sessions = Array.from({ length: 600 }, (_, i) => ({ id: i.toString(16).padStart(16, '0'), user: 'mallory', revokedAt: '2026-11-30T19:00:00Z', sourceIdentity: `sentinel:mallory:${i.toString(16).padStart(12, '0')}` }));
    const policy = policyOf(planDenyPolicy({ sessions, form: 'precise', nowMs: NOW }));
    expect(await decide(policy, { 'aws:SourceIdentity': 'sentinel:mallory:anything' })).toBe('ExplicitlyDenied');
    expect(await decide(policy, { 'aws:SourceIdentity': 'sentinel:alice:000000000001' })).toBe('Allowed');
  });

  it('whole role: a token issued before the cutoff is denied, one issued after is allowed', async () => {
    const policy = policyOf(planDenyPolicy({ sessions: [], form: 'whole-role', nowMs: NOW }));
    expect(await decide(policy, { 'aws:TokenIssueTime': '2026-11-30T19:29:59Z' })).toBe('ExplicitlyDenied');
    expect(await decide(policy, { 'aws:TokenIssueTime': '2026-11-30T19:30:01Z' })).toBe('Allowed');
  });
});

describe('the simulator stays a test tool', () => {
  it('no app code imports @cloud-copilot/* (AGPL-3.0, a development dependency only)', () => {
    const root = join(__dirname, '../..');
    const files = ['src-main', 'src-shared', 'src-preload', 'src-renderer'].flatMap((dir) => (readdirSync(join(root, dir), { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f)).map((f) => join(root, dir, f)));
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => readFileSync(f, 'utf8').includes('@cloud-copilot/'))).toEqual([]);
  });
});
