import { describe, expect, it } from 'vitest';
import { ConnectionSaveCheckedSchema, ConnectionSaveRequestSchema } from '../../src-shared/connections';
import { CanarySettingsSchema } from '../../src-shared/canary';

const base = {
  name: 'prod-sentinel',
  environment: 'production',
  colour: 'red',
  readOnly: false,
  store: { kind: 'redis', urls: ['redis://127.0.0.1:6379'], cluster: false },
} as const;

describe('the enforcement canary setting of a saved connection', () => {
  it('is optional and opt-in; an operator connection may enable it with a probe URL, interval and threshold', () => {
    expect(ConnectionSaveCheckedSchema.safeParse(base).success).toBe(true);
    const parsed = ConnectionSaveCheckedSchema.parse({ ...base, canary: { enabled: true, probeUrl: 'https://app.example.com/me', everyMinutes: 15, thresholdMs: 2000 } });
    expect(parsed.canary).toEqual({ enabled: true, probeUrl: 'https://app.example.com/me', everyMinutes: 15, thresholdMs: 2000 });
  });

  it('is never enabled on a read-only connection (disabled settings may stay)', () => {
    const refused = ConnectionSaveCheckedSchema.safeParse({ ...base, readOnly: true, canary: { enabled: true } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['canary'], message: expect.stringContaining('read-only connection never writes') });
    expect(ConnectionSaveCheckedSchema.safeParse({ ...base, readOnly: true, canary: { enabled: false } }).success).toBe(true);
    // The unrefined request (what the stored file extends) keeps working with `omit`.
    expect(ConnectionSaveRequestSchema.omit({ secret: true }).safeParse({ ...base, readOnly: true, canary: { enabled: true } }).success).toBe(true);
  });

  it('takes only an http(s) probe URL without credentials, sane intervals and thresholds, and no other field', () => {
    const bad = [
      { enabled: true, probeUrl: 'ftp://example.com/' },
      { enabled: true, probeUrl: 'https://user:secret@example.com/me' },
      { enabled: true, probeUrl: 'https://user@example.com/me' },
      { enabled: true, probeUrl: 'javascript:alert(1)' },
      { enabled: true, everyMinutes: 0 },
      { enabled: true, everyMinutes: 1.5 },
      { enabled: true, everyMinutes: 24 * 60 + 1 },
      { enabled: true, thresholdMs: 0 },
      { enabled: true, thresholdMs: 600_001 },
      { enabled: true, extra: 1 },
      {},
    ];
    for (const settings of bad) expect(CanarySettingsSchema.safeParse(settings).success, JSON.stringify(settings)).toBe(false);
    expect(CanarySettingsSchema.safeParse({ enabled: true, probeUrl: 'http://127.0.0.1:8080/me' }).success).toBe(true);
  });
});
