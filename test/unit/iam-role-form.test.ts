import { describe, expect, it } from 'vitest';
import { ConnectionSaveRequestSchema, type Connection } from '../../src-shared/connections';
import { roleOfProfile } from '../../src-shared/iam-roles';
import { formOf, requestOf, unsavedStore } from '../../src-renderer/src/features/connections/connection-form';
import { iamFormOf, iamRequestOf, iamRoleProblems } from '../../src-renderer/src/features/iam/iam-role-form';

const sentinel: Connection = {
  id: '7b3f2a3e-5c1d-4e8f-9a2b-1c3d4e5f6a7b',
  name: 'Sentinel prod',
  environment: 'prod',
  colour: 'red',
  readOnly: false,
  store: {
    kind: 'dynamodb',
    region: 'eu-west-1',
    table: 'sentinel-sessions',
    credentials: { source: 'default' },
    iam: { roles: [{ profile: 'prod-admin', role: 'sentinel-prod-admin' }, { profile: '*', role: 'sentinel-default' }], endpoint: 'http://127.0.0.1:4599' },
  },
  hasSecret: false,
  hasBlacklistSecret: false,
  secretKept: 'none',
};

describe("the Connections editor's profile → IAM role mapping", () => {
  it('shows a saved mapping one line a profile and saves it back unchanged', () => {
    const subject = { mode: 'edit', connection: sentinel } as const;
    const form = formOf(subject);
    expect(form.iamRoles).toBe('prod-admin = sentinel-prod-admin\n* = sentinel-default');
    expect(form.iamEndpoint).toBe('http://127.0.0.1:4599');
    const request = ConnectionSaveRequestSchema.parse(requestOf(form, subject));
    expect(request.store).toMatchObject({ kind: 'dynamodb', iam: sentinel.store.kind === 'dynamodb' ? sentinel.store.iam : undefined });
    expect(unsavedStore(form, subject)).toBe(false);
  });

  it('saves what is typed (=, → or ->), blank lines ignored; the schema and roleOfProfile read it as meant', () => {
    const subject = { mode: 'new' } as const;
    const form = { ...formOf(subject), name: 'sentinel', credentialSource: 'default' as const, iamRoles: 'prod-admin = admin-role\n\n  dev → dev-role\nsentinel:ops/x -> ops-role\n* = fallback' };
    expect(iamRoleProblems(form)).toEqual([]);
    const request = ConnectionSaveRequestSchema.parse(requestOf(form, subject));
    const iam = request.store.kind === 'dynamodb' ? request.store.iam : undefined;
    expect(iam?.roles).toEqual([
      { profile: 'prod-admin', role: 'admin-role' },
      { profile: 'dev', role: 'dev-role' },
      { profile: 'sentinel:ops/x', role: 'ops-role' },
      { profile: '*', role: 'fallback' },
    ]);
    expect(roleOfProfile(iam, 'dev')).toBe('dev-role');
    expect(roleOfProfile(iam, 'billing')).toBe('fallback');
  });

  it('saves no mapping when nothing is typed (the roles stay unknown, as before)', () => {
    expect(iamRequestOf(iamFormOf(undefined))).toEqual({});
    expect(requestOf({ ...formOf({ mode: 'new' }), name: 'x' }, { mode: 'new' }).store).not.toHaveProperty('iam');
  });

  it('says at the field what main would refuse', () => {
    const problems = iamRoleProblems({ iamRoles: 'prod-admin\nprod-admin = a role with spaces\ndev = ok\ndev = again', iamEndpoint: 'http://iam.example.com' });
    expect(problems).toEqual([
      'line 1: write it as profile = role',
      'line 2: "a role with spaces" is not an IAM role name (1 to 64 letters, digits or + = , . @ _ -)',
      'line 4: profile "dev" is mapped twice',
      'IAM endpoint: an https:// URL (http:// only for this machine)',
    ]);
    expect(iamRoleProblems({ iamRoles: '', iamEndpoint: 'https://iam.amazonaws.com' })).toEqual([]);
  });
});
