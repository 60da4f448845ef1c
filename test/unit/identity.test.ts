import { describe, expect, it } from 'vitest';
import { defaultIdentityMap, deriveName, IdentityMapSchema, PersonTextSchema } from '../../src-shared/identity';

describe('deriveName: how a connection names the person typed', () => {
  it('takes the login from an e-mail for {local}, the e-mail itself for {email}', () => {
    expect(deriveName({ key: 'user', template: '{local}' }, 'alice@corp.example')).toEqual({ ok: true, name: 'alice' });
    expect(deriveName({ key: 'email', template: '{email}' }, 'alice@corp.example')).toEqual({ ok: true, name: 'alice@corp.example' });
    expect(deriveName({ key: 'user', template: '{local}' }, 'alice')).toEqual({ ok: true, name: 'alice' });
  });

  it('derives an e-mail from a login with a literal domain, and folds case where asked', () => {
    expect(deriveName({ key: 'email', template: '{local}@corp.example' }, 'alice')).toEqual({ ok: true, name: 'alice@corp.example' });
    expect(deriveName({ key: 'email', template: '{email}', lowercase: true }, 'Alice@Corp.Example')).toEqual({ ok: true, name: 'alice@corp.example' });
    expect(deriveName({ key: 'user', template: 'corp-{local}' }, 'Bob@x.io')).toEqual({ ok: true, name: 'corp-Bob' });
  });

  it('says why an {email} rule cannot name someone typed as a login', () => {
    const derived = deriveName({ key: 'email', template: '{email}' }, 'alice');
    expect(derived.ok).toBe(false);
    expect(derived.ok ? '' : derived.problem).toMatch(/names people by e-mail/);
  });

  it('defaults: Sentinel by login, web stores and PostgreSQL by e-mail ignoring case', () => {
    expect(defaultIdentityMap('dynamodb')).toEqual({ key: 'user', template: '{local}' });
    expect(defaultIdentityMap('redis')).toEqual({ key: 'email', template: '{email}', lowercase: true });
    expect(defaultIdentityMap('postgres')).toEqual({ key: 'email', template: '{email}', lowercase: true });
  });

  it('the schema refuses a rule that names everyone the same, and a person that is not an e-mail or login', () => {
    expect(IdentityMapSchema.safeParse({ key: 'user', template: 'admin' }).success).toBe(false);
    expect(IdentityMapSchema.safeParse({ key: 'user', template: '{local} ' }).success).toBe(true);
    expect(IdentityMapSchema.safeParse({ key: 'user', template: '{local};drop' }).success).toBe(false);
    expect(PersonTextSchema.safeParse('a@b@c').success).toBe(false);
    expect(PersonTextSchema.safeParse('@corp').success).toBe(false);
    expect(PersonTextSchema.safeParse('alice smith').success).toBe(false);
    expect(PersonTextSchema.safeParse(' alice@corp.example ').data).toBe('alice@corp.example');
  });
});
