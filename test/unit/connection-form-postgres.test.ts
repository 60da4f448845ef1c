import { describe, expect, it } from 'vitest';
import { ConnectionSaveRequestSchema, type Connection } from '../../src-shared/connections';
import { formOf, postgresUrlProblem, requestOf, unsavedStore } from '../../src-renderer/src/features/connections/connection-form';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----';

describe('the editor’s PostgreSQL form', () => {
  it('saves what main accepts: the URL without its password, sslmode, a CA only where it is verified, the operator, the blacklist', () => {
    const subject = { mode: 'new' } as const;
    const form = {
      ...formOf(subject),
      name: 'shop-db',
      kind: 'postgres' as const,
      postgresUrl: ' postgres://warden@db.internal:5432/shop ',
      sslmode: 'verify-full' as const,
      tlsCa: PEM,
      operatorEmail: 'secops@example.com',
      blacklistUrl: 'rediss://cache.internal:6380',
      blacklistUsername: 'warden',
      blacklistSecret: 'bl-pass',
      secret: 'pg-pass',
    };
    const request = ConnectionSaveRequestSchema.parse(requestOf(form, subject));
    expect(request.store).toEqual({
      kind: 'postgres',
      url: 'postgres://warden@db.internal:5432/shop',
      sslmode: 'verify-full',
      tlsCa: PEM,
      operatorEmail: 'secops@example.com',
      blacklistRedis: { url: 'rediss://cache.internal:6380', username: 'warden' },
    });
    expect(request).toMatchObject({ secret: 'pg-pass', blacklistSecret: 'bl-pass' });
    // sslmode disable verifies nothing: the CA is not saved; the default leaves sslmode to main.
    expect(requestOf({ ...form, sslmode: 'disable' }, subject).store).not.toHaveProperty('tlsCa');
    expect(requestOf({ ...form, sslmode: '' }, subject).store).not.toHaveProperty('sslmode');
    // No PostgreSQL connection keeps a team ledger.
    expect(requestOf({ ...form, teamLedger: true }, subject).store).not.toHaveProperty('teamLedger');
  });

  it('reads a saved connection back exactly, the password write-only', () => {
    const store: Connection['store'] = { kind: 'postgres', url: 'postgres://warden@db.internal/shop', sslmode: 'require', operatorEmail: 'secops@example.com' };
    const connection: Connection = { id: '5d7a1c9e-2b3f-4c8d-9e0a-1b2c3d4e5f60', name: 'shop-db', environment: 'production', colour: 'red', readOnly: false, store, hasSecret: true, hasBlacklistSecret: false, secretKept: 'encrypted' };
    const subject = { mode: 'edit', connection } as const;
    const form = formOf(subject);
    expect(form).toMatchObject({ kind: 'postgres', secret: '', sslmode: 'require' });
    expect(requestOf(form, subject).store).toEqual(store);
    // An empty password field keeps the stored one.
    expect(requestOf(form, subject)).not.toHaveProperty('secret');
    expect(unsavedStore(form, subject)).toBe(false);
    expect(unsavedStore({ ...form, sslmode: 'verify-full' }, subject)).toBe(true);
  });

  it('refuses a password in the URL at the field, as main does', () => {
    const message = 'holds a password: put it in the password field, not in the URL';
    expect(postgresUrlProblem('postgres://warden:hunter2@db.internal/shop')).toBe(message);
    expect(postgresUrlProblem('postgres://warden@db.internal/shop?Password=hunter2')).toBe(message);
    expect(postgresUrlProblem('postgres://warden@db.internal/shop?sslmode=require')).toBeNull();
    const subject = { mode: 'new' } as const;
    const draft = { ...formOf(subject), name: 'x', kind: 'postgres' as const, postgresUrl: 'postgres://warden:hunter2@db.internal/shop' };
    expect(ConnectionSaveRequestSchema.safeParse(requestOf(draft, subject)).error?.issues[0]?.message).toBe(message);
  });
});
