import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { AppInfoSchema } from '../../src-shared/contract';
import { LedgerRecordSchema } from '../../src-shared/ledger-record';
import { PrincipalSchema } from '../../src-shared/principal';
import { describePrincipal } from '../../src-shared/principal-description';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { localIdentity, principalFromArn, resolveOperator, userNameFromArn } from '../../src-main/operator-identity';
import { tempDir } from '../fixtures/temp-dir';

describe('the principal behind revoked_by, from the caller ARN', () => {
  it.each([
    ['arn:aws:iam::123456789012:user/alice', { type: 'user', partition: 'aws', account: '123456789012', userName: 'alice' }],
    ['arn:aws:iam::123456789012:user/engineering/sec/alice', { type: 'user', partition: 'aws', account: '123456789012', userName: 'alice' }],
    ['arn:aws:sts::123456789012:assumed-role/SOCRole/alice', { type: 'assumed-role', partition: 'aws', account: '123456789012', role: 'SOCRole', callerChosenSessionName: 'alice' }],
    [
      'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_SOCAnalyst_0123456789abcdef/alice@example.com',
      { type: 'assumed-role', account: '123456789012', role: 'AWSReservedSSO_SOCAnalyst_0123456789abcdef', callerChosenSessionName: 'alice@example.com', ssoPermissionSet: 'SOCAnalyst' },
    ],
    ['arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Read_Only_Audit_fedcba9876543210/bob', { role: 'AWSReservedSSO_Read_Only_Audit_fedcba9876543210', ssoPermissionSet: 'Read_Only_Audit' }],
    ['arn:aws:sts::123456789012:federated-user/carol', { type: 'federated-user', account: '123456789012', callerChosenSessionName: 'carol' }],
    ['arn:aws:iam::123456789012:root', { type: 'root', partition: 'aws', account: '123456789012' }],
    ['arn:aws-us-gov:iam::123456789012:user/dave', { type: 'user', partition: 'aws-us-gov', userName: 'dave' }],
    ['arn:aws-us-gov:sts::123456789012:assumed-role/Ops/i-0abc', { type: 'assumed-role', partition: 'aws-us-gov', role: 'Ops', callerChosenSessionName: 'i-0abc' }],
    ['arn:aws-cn:sts::123456789012:assumed-role/SOCRole/erin', { type: 'assumed-role', partition: 'aws-cn', role: 'SOCRole', callerChosenSessionName: 'erin' }],
    ['arn:aws-cn:iam::123456789012:root', { type: 'root', partition: 'aws-cn' }],
  ])('%s', (arn, expected) => {
    const principal = principalFromArn(arn);
    expect(principal).toMatchObject({ ...expected, arn });
    expect(PrincipalSchema.parse(principal)).toEqual(principal);
  });

  it.each([
    'not an arn',
    'arn:aws:sts::123456789012:assumed-role/OnlyRole',
    'arn:aws:sts::12345:assumed-role/R/s',
    'arn:aws:iam::123456789012:role/SOCRole',
    'arn:aws:s3:::bucket/key',
  ])('keeps an ARN it does not know whole, claiming nothing: %s', (arn) => {
    expect(principalFromArn(arn)).toEqual({ type: 'other', arn });
  });

  it('keeps revoked_by the short name Sentinel reads', () => {
    expect(userNameFromArn('arn:aws:iam::123456789012:user/alice')).toBe('alice');
    expect(userNameFromArn('arn:aws:sts::123456789012:assumed-role/SecOps/jane.doe')).toBe('jane.doe');
  });

  it('resolves name and principal from STS, and the OS user locally', async () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/SOCRole/alice';
    const sts = () => ({ send: async () => ({ Arn: arn }), destroy: () => undefined }) as unknown as STSClient;
    expect(await resolveOperator({ endpoint: undefined, sts })).toEqual({
      name: 'alice',
      principal: { type: 'assumed-role', arn, partition: 'aws', account: '123456789012', role: 'SOCRole', callerChosenSessionName: 'alice' },
    });
    const local = await resolveOperator({ endpoint: 'http://127.0.0.1:8000', sts });
    expect(local).toEqual(localIdentity());
    expect(local.name).toBe(`local:${local.principal.type === 'local' ? local.principal.osUser : '?'}`);
  });
});

describe('how a principal reads', () => {
  it('says an assumed-role session name was chosen by the caller, and gives the ARN', () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/SOCRole/alice';
    const d = describePrincipal('alice', principalFromArn(arn));
    expect(d.callerChosen).toBe(true);
    expect(d.kind).toBe('assumed role SOCRole, session name chosen by the caller');
    expect(d.full).toContain('session name "alice" chosen by the caller');
    expect(d.full).toContain(arn);
  });

  it('names the SSO permission set, and does not mark an IAM user as caller-chosen', () => {
    const sso = describePrincipal('alice', principalFromArn('arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_SOCAnalyst_0123456789abcdef/alice'));
    expect(sso.kind).toBe('assumed role (SSO permission set SOCAnalyst), session name chosen by the caller');
    const user = describePrincipal('alice', principalFromArn('arn:aws:iam::123456789012:user/alice'));
    expect(user).toMatchObject({ callerChosen: false, kind: 'IAM user in account 123456789012' });
    expect(describePrincipal('bob', principalFromArn('arn:aws:sts::123456789012:federated-user/bob')).callerChosen).toBe(true);
  });
});

describe('the principal in the ledger and in AppInfo', () => {
  const base: LedgerRecord = {
    kind: 'attempt',
    time: '2026-11-22T08:00:00.000Z',
    operator: 'alice',
    connection: 'prod',
    run: 'run-1',
    sessionId: '0123456789abcdef',
    user: 'mallory',
    reasonCode: 'credential_compromise',
  };
  const principal = principalFromArn('arn:aws:sts::123456789012:assumed-role/SOCRole/alice');

  it('is optional (ledgers written before it still parse) and validated when present', () => {
    expect(LedgerRecordSchema.parse(base)).toEqual(base);
    expect(LedgerRecordSchema.parse({ ...base, principal })).toEqual({ ...base, principal });
    expect(LedgerRecordSchema.safeParse({ ...base, principal: { type: 'assumed-role', arn: 'x', role: 'R' } }).success).toBe(false);
    // AppInfo carries the same principal to the top bar.
    expect(AppInfoSchema.shape.principal.parse(principal)).toEqual(principal);
    expect(AppInfoSchema.shape.principal.parse(undefined)).toBeUndefined();
  });

  it('is covered by the hash: changing the recorded session name breaks verification', async () => {
    const dir = await tempDir();
    try {
      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      await ledger.append([base, { ...base, principal }]);
      expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 2 });
      const text = await readFile(ledger.path, 'utf8');
      await writeFile(ledger.path, text.replace('"callerChosenSessionName":"alice"', '"callerChosenSessionName":"bob"'));
      expect(await ledger.verify()).toMatchObject({ ok: false, brokenAt: 2 });
    } finally {
      await dir.remove();
    }
  });
});
