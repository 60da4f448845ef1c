import { describe, expect, it } from 'vitest';
import { expiryForBlacklist } from '../../src-main/revocation/sentinel-revoker';
import { serviceClock } from '../../src-main/sentinel/dynamo-client-options';
import { deriveStatus, REVOKE_GRACE_MS } from '../../src-main/sentinel/sentinel-item';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

describe('expiry for revocation: a grace of two minutes, read paths unchanged', () => {
  it('keeps a session that ended less than two minutes ago live for revocation only', () => {
    const cases: [string, string, string][] = [
      // expires_at, status on read paths, status when revoking
      ['2026-11-22T11:59:30Z', 'expired', 'active'],
      ['2026-11-22T11:58:00.000000001Z', 'expired', 'active'],
      ['2026-11-22T11:58:00Z', 'expired', 'expired'],
      ['2026-11-22T11:50:00Z', 'expired', 'expired'],
      ['2026-11-22T12:05:00Z', 'active', 'active'],
      ['not a time', 'active', 'active'],
    ];
    expect(cases.map(([at]) => [at, deriveStatus('active', at, NOW), deriveStatus('active', at, NOW, REVOKE_GRACE_MS)])).toEqual(cases);
    // Stored revoked and expired are what they say, grace or not.
    expect(deriveStatus('revoked', '2026-11-22T13:00:00Z', NOW, REVOKE_GRACE_MS)).toBe('revoked');
    expect(deriveStatus('expired', '2026-11-22T13:00:00Z', NOW, REVOKE_GRACE_MS)).toBe('expired');
  });
});

describe('the service clock: ours plus the offset the SDK measured', () => {
  it('applies a real skew and reads the offset at each call', () => {
    const client = { config: { systemClockOffset: -600_000 } };
    const clock = serviceClock(client, () => NOW + 600_000);
    expect(clock()).toBe(NOW);
    client.config.systemClockOffset = 300_000;
    expect(clock()).toBe(NOW + 900_000);
  });

  it('ignores what the Date header cannot tell from noise, and a missing offset', () => {
    expect(serviceClock({ config: { systemClockOffset: -900 } }, () => NOW)()).toBe(NOW);
    expect(serviceClock({ config: {} }, () => NOW)()).toBe(NOW);
    expect(serviceClock({ config: { systemClockOffset: Number.NaN } }, () => NOW)()).toBe(NOW);
  });
});

describe('the blacklist lifetime of a session', () => {
  it('comes from expires_at, or from ttl when expires_at cannot be read', () => {
    expect(expiryForBlacklist({ expires_at: '2026-11-22T13:00:00.5Z', ttl: 1 })).toBe(Date.UTC(2026, 10, 22, 13, 0, 0, 500));
    expect(expiryForBlacklist({ expires_at: 'soon', ttl: 1_800_000_000 })).toBe(1_800_000_000_000);
    expect(expiryForBlacklist({ ttl: 1_800_000_000 })).toBe(1_800_000_000_000);
    expect(expiryForBlacklist({ expires_at: 'soon', ttl: 'x' })).toBeNull();
    expect(expiryForBlacklist({ expires_at: 'soon', ttl: -5 })).toBeNull();
  });
});
