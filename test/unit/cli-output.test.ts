import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../src-main/cli/output';
import { escapeFormula, toCsv } from '../../src-main/export/csv';
import { isLocalEndpoint, resolveOperator, userNameFromArn } from '../../src-main/operator-identity';
import { timeArgument } from '../../src-main/cli/main';
import type { STSClient } from '@aws-sdk/client-sts';

describe('output hygiene', () => {
  it('neutralises terminal escapes, NUL and bidi overrides from store strings', () => {
    expect(terminalSafe('alice\u001b[2J\u0000\u202etxt.exe')).toBe('alice\\u001b[2J\\u0000\\u202etxt.exe');
    expect(terminalSafe('carol.nguyen')).toBe('carol.nguyen');
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])('escapes the formula-like cell %j', (cell) => {
    expect(escapeFormula(cell)).toBe(`'${cell}`);
  });

  it('writes RFC 4180 CSV with CRLF and quotes where needed', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['=cmd', null]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n\'=cmd,\r\n');
  });
});

describe('operator identity', () => {
  it('takes the user name from an ARN', () => {
    expect(userNameFromArn('arn:aws:iam::123456789012:user/alice')).toBe('alice');
    expect(userNameFromArn('arn:aws:sts::123456789012:assumed-role/SecOps/jane.doe')).toBe('jane.doe');
  });

  it('knows local endpoints', () => {
    expect(isLocalEndpoint('http://127.0.0.1:8000')).toBe(true);
    expect(isLocalEndpoint('http://localhost:8000')).toBe(true);
    expect(isLocalEndpoint('http://[::1]:8000')).toBe(true);
    expect(isLocalEndpoint('https://dynamodb.eu-west-1.amazonaws.com')).toBe(false);
    expect(isLocalEndpoint(undefined)).toBe(false);
  });

  it('asks STS for AWS endpoints and never for local ones', async () => {
    let asked = 0;
    const sts = () => ({ send: async () => ((asked += 1), { Arn: 'arn:aws:sts::1:assumed-role/Ops/bob' }), destroy: () => undefined }) as unknown as STSClient;
    expect((await resolveOperator({ endpoint: undefined, sts })).name).toBe('bob');
    expect((await resolveOperator({ endpoint: 'http://127.0.0.1:9000', sts })).name).toMatch(/^local:/);
    expect(asked).toBe(1);
  });
});

describe('relative times on the command line', () => {
  const now = Date.UTC(2026, 10, 22, 12);
  it.each([
    ['30m', '2026-11-22T11:30:00.000Z'],
    ['7d', '2026-11-15T12:00:00.000Z'],
    ['2w', '2026-11-08T12:00:00.000Z'],
    ['2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'],
  ])('%s', (text, expected) => {
    expect(timeArgument(text, '--since', now)).toBe(expected);
  });
});
