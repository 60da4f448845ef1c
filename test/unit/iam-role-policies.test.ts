import { DeleteRolePolicyCommand, GetRolePolicyCommand, IAMClient, IAMServiceException, ListRolePoliciesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { planDenyPolicy } from '../../src-main/iam/deny-policy';
import { IamPermissionError, IamRefusedError, RolePolicies } from '../../src-main/iam/role-policies';

// The SDK's send() is replaced at the client boundary (aws-sdk-client-mock): these pin the exact
// requests that would go to IAM. No AWS account is used.
const iam = mockClient(IAMClient);
afterEach(() => iam.reset());

const NOW = Date.UTC(2026, 10, 30, 19, 30, 0);
const plan = planDenyPolicy({ sessions: [{ id: 'a1a1a1a1a1a1a1a1', user: 'alice', revokedAt: '2026-11-30T19:25:00Z' }], form: 'precise', nowMs: NOW, incident: 'INC-1' });
if (!plan.ok) throw new Error(plan.problem);
const policy = plan.policy;

function denied(action: string): IAMServiceException {
  return new IAMServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: `User: arn:aws:sts::123456789012:assumed-role/Operator/jo is not authorized to perform: ${action} on resource: role sentinel-app because no identity-based policy allows the ${action} action`,
  });
}

describe('RolePolicies at the client boundary', () => {
  it('PutRolePolicy: the role, our name and the document JSON exactly', async () => {
    iam.on(PutRolePolicyCommand).resolves({});
    await new RolePolicies(new IAMClient({ region: 'us-east-1' })).put('sentinel-app', policy.name, policy.json);
    const calls = iam.commandCalls(PutRolePolicyCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      RoleName: 'sentinel-app',
      PolicyName: 'session-warden-deny-INC-1',
      PolicyDocument:
        '{"Version":"2012-10-17","Statement":[{"Sid":"SessionWardenDenyRevokedSentinelSessionsRemovableAfter20261130T194000Z","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/SentinelSessionID":["a1a1a1a1a1a1a1a1"]}}}]}',
    });
  });

  it('DeleteRolePolicy: the role and the policy name exactly', async () => {
    iam.on(DeleteRolePolicyCommand).resolves({});
    await new RolePolicies(new IAMClient({ region: 'us-east-1' })).delete('sentinel-app', 'session-warden-deny-INC-1');
    expect(iam.commandCalls(DeleteRolePolicyCommand).map((c) => c.args[0].input)).toEqual([{ RoleName: 'sentinel-app', PolicyName: 'session-warden-deny-INC-1' }]);
  });

  it('lists only our deny policies (all pages), decoding what GetRolePolicy returns', async () => {
    iam
      .on(ListRolePoliciesCommand, { RoleName: 'sentinel-app' })
      .resolvesOnce({ PolicyNames: ['app-permissions', 'session-warden-deny-INC-1'], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({ PolicyNames: ['session-warden-deny-20261130T193000Z'], IsTruncated: false });
    iam.on(GetRolePolicyCommand, { PolicyName: 'session-warden-deny-INC-1' }).resolves({ PolicyDocument: encodeURIComponent(policy.json), PolicyName: 'session-warden-deny-INC-1', RoleName: 'sentinel-app' });
    iam.on(GetRolePolicyCommand, { PolicyName: 'session-warden-deny-20261130T193000Z' }).resolves({ PolicyDocument: 'not json', PolicyName: 'x', RoleName: 'sentinel-app' });
    const found = await new RolePolicies(new IAMClient({ region: 'us-east-1' })).denyPolicies('sentinel-app');
    expect(found.map(({ name, form, covers, removableAfter }) => ({ name, form, covers, removableAfter }))).toEqual([
      { name: 'session-warden-deny-INC-1', form: 'precise', covers: ['a1a1a1a1a1a1a1a1'], removableAfter: '2026-11-30T19:40:00.000Z' },
      { name: 'session-warden-deny-20261130T193000Z', form: 'unknown', covers: [], removableAfter: null },
    ]);
    expect(iam.commandCalls(ListRolePoliciesCommand).map((c) => c.args[0].input)).toEqual([{ RoleName: 'sentinel-app' }, { RoleName: 'sentinel-app', Marker: 'm1' }]);
    // Never read the role's other policies' documents for a listing.
    expect(iam.commandCalls(GetRolePolicyCommand).map((c) => c.args[0].input.PolicyName)).not.toContain('app-permissions');
  });

  it('explains a missing permission: which action, which role, what to ask for', async () => {
    iam.on(PutRolePolicyCommand).rejects(denied('iam:PutRolePolicy'));
    const attempt = new RolePolicies(new IAMClient({ region: 'us-east-1' }), '123456789012').put('sentinel-app', policy.name, policy.json);
    await expect(attempt).rejects.toBeInstanceOf(IamPermissionError);
    await expect(attempt).rejects.toThrow('iam:PutRolePolicy denied on role sentinel-app: ask for iam:PutRolePolicy on arn:aws:iam::123456789012:role/sentinel-app');
  });

  it('a role that does not exist is refused, not a permission problem', async () => {
    iam.on(DeleteRolePolicyCommand).rejects(new IAMServiceException({ name: 'NoSuchEntity', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'The role with name nope cannot be found.' }));
    const attempt = new RolePolicies(new IAMClient({ region: 'us-east-1' })).delete('nope', 'session-warden-deny-x');
    await expect(attempt).rejects.toBeInstanceOf(IamRefusedError);
    await expect(attempt).rejects.toThrow('cannot be found');
  });
});
