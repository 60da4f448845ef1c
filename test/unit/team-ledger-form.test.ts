import { describe, expect, it } from 'vitest';
import { ConnectionSaveRequestSchema, type Connection } from '../../src-shared/connections';
import { formOf, ledgerTableOf, requestOf, unsavedStore } from '../../src-renderer/src/features/connections/connection-form';

const saved = (store: Connection['store']): Connection => ({
  id: '5d7a1c9e-2b3f-4c8d-9e0a-1b2c3d4e5f60', name: 'prod', environment: 'production', colour: 'red', readOnly: false, store, hasSecret: false, hasBlacklistSecret: false, secretKept: 'none',
});

describe('the editor’s team ledger fields', () => {
  it('save no team ledger unless the box is checked; checked, `<table>-revocations` follows the session table until edited', () => {
    const subject = { mode: 'new' } as const;
    const form = { ...formOf(subject), name: 'prod', table: 'sessions' };
    expect(requestOf(form, subject).store).not.toHaveProperty('teamLedger');
    const checked = { ...form, teamLedger: true };
    expect(requestOf(checked, subject).store).toMatchObject({ teamLedger: 'sessions-revocations' });
    expect(requestOf({ ...checked, table: 'sentinel-prod' }, subject).store).toMatchObject({ teamLedger: 'sentinel-prod-revocations' });
    const edited = { ...checked, ledgerTable: 'team-ledger', table: 'other', credentialSource: 'default' as const };
    expect(ledgerTableOf(edited)).toBe('team-ledger');
    expect(ConnectionSaveRequestSchema.parse(requestOf(edited, subject)).store).toMatchObject({ kind: 'dynamodb', teamLedger: 'team-ledger' });
    // Redis: the stream key, prefilled.
    const redis = { ...formOf(subject), name: 'web', kind: 'redis' as const, urls: 'redis://127.0.0.1:6379', teamLedger: true };
    expect(ConnectionSaveRequestSchema.parse(requestOf(redis, subject)).store).toMatchObject({ kind: 'redis', teamLedger: 'session-warden:revocations' });
  });

  it('read a saved team ledger back exactly, and tell unsaved changes from what main would act on', () => {
    const connection = saved({ kind: 'dynamodb', region: 'local', table: 'sessions', endpoint: 'http://127.0.0.1:8000', credentials: { source: 'default' }, teamLedger: 'sessions-audit' });
    const subject = { mode: 'edit', connection } as const;
    const form = formOf(subject);
    expect(form).toMatchObject({ teamLedger: true, ledgerTable: 'sessions-audit' });
    expect(requestOf(form, subject).store).toEqual(connection.store);
    expect(unsavedStore(form, subject)).toBe(false);
    expect(unsavedStore({ ...form, ledgerTable: 'other-ledger' }, subject)).toBe(true);
    expect(unsavedStore({ ...form, teamLedger: false }, subject)).toBe(true);
    expect(unsavedStore({ ...form, secret: 'typed, not saved' }, subject)).toBe(true);
    expect(formOf({ mode: 'edit', connection: saved({ kind: 'redis', urls: ['redis://h:6379'], cluster: false }) })).toMatchObject({ teamLedger: false, ledgerStream: 'session-warden:revocations' });
  });
});
