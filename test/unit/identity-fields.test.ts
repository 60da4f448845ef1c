import { describe, expect, it } from 'vitest';
import { ConnectionSaveRequestSchema, type Connection } from '../../src-shared/connections';
import { deriveName, templateProblem } from '../../src-shared/identity-rule';
import { IdentityMapSchema } from '../../src-shared/identity';
import { formOf, requestOf, unsavedStore } from '../../src-renderer/src/features/connections/connection-form';

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
    iam: { roles: [{ profile: 'billing-admin', role: 'billing-admin' }] },
  },
  hasSecret: false,
  hasBlacklistSecret: false,
  secretKept: 'none',
  identity: { key: 'user', template: '{local}.ops', lowercase: true },
};

describe('the editor’s identity map (incident mode)', () => {
  it('keeps a saved identity map and the IAM roles when another field changes', () => {
    const subject = { mode: 'edit', connection: sentinel } as const;
    const form = { ...formOf(subject), name: 'Sentinel production' };
    const request = ConnectionSaveRequestSchema.parse(requestOf(form, subject));
    expect(request.identity).toEqual({ key: 'user', template: '{local}.ops', lowercase: true });
    expect(request.store).toMatchObject({ kind: 'dynamodb', iam: sentinel.store.kind === 'dynamodb' ? sentinel.store.iam : undefined });
    // The store is unchanged, so nothing is "unsaved" about it.
    expect(unsavedStore(form, subject)).toBe(false);
  });

  it('saves no map while the kind’s default is chosen, and the edited rule when one is typed', () => {
    const subject = { mode: 'new' } as const;
    const form = { ...formOf(subject), name: 'web', kind: 'redis' as const, urls: 'redis://127.0.0.1:6379' };
    expect(requestOf(form, subject)).not.toHaveProperty('identity');
    const custom = { ...form, identityCustom: true, identityKey: 'email' as const, identityTemplate: ' {local}@corp.example ', identityLowercase: true };
    expect(ConnectionSaveRequestSchema.parse(requestOf(custom, subject)).identity).toEqual({ key: 'email', template: '{local}@corp.example', lowercase: true });
    // Back to the default: the saved map is dropped.
    expect(requestOf({ ...custom, identityCustom: false }, { mode: 'edit', connection: { ...sentinel, identity: { key: 'email', template: '{email}' } } })).not.toHaveProperty('identity');
  });

  it('previews what main derives, and refuses at the field what the schema refuses', () => {
    expect(deriveName({ key: 'user', template: '{local}' }, 'alice@corp.example')).toEqual({ ok: true, name: 'alice' });
    expect(deriveName({ key: 'email', template: '{local}@corp.example', lowercase: true }, 'Alice')).toEqual({ ok: true, name: 'alice@corp.example' });
    expect(deriveName({ key: 'email', template: '{email}' }, 'alice')).toMatchObject({ ok: false });
    for (const template of ['{local}', '{email}', 'x-{local}', '', 'alice', '{local} x', '{user}']) {
      expect(templateProblem(template) === null, template).toBe(IdentityMapSchema.safeParse({ key: 'user', template }).success);
    }
  });
});
