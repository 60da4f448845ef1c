import { describe, expect, it } from 'vitest';
import { formatRfc3339Nano, normaliseTime, parseExactTime } from '../../src-main/stores/exact-time';

describe('Sentinel timestamps (Go RFC3339Nano)', () => {
  it('keeps all nine fraction digits', () => {
    expect(parseExactTime('2026-11-22T08:00:00.123456789Z')).toEqual({
      epochSeconds: Date.UTC(2026, 10, 22, 8) / 1000,
      nanos: 123456789,
      utc: '2026-11-22T08:00:00.123456789Z',
    });
  });

  it('reads trimmed fractions and whole seconds', () => {
    expect(normaliseTime('2026-11-22T08:00:00.1Z')).toBe('2026-11-22T08:00:00.100000000Z');
    expect(normaliseTime('2026-11-22T08:00:00.00042Z')).toBe('2026-11-22T08:00:00.000420000Z');
    expect(normaliseTime('2026-11-22T08:00:00Z')).toBe('2026-11-22T08:00:00.000000000Z');
  });

  it('converts zone offsets to UTC, across a day boundary', () => {
    expect(normaliseTime('2026-11-22T10:00:00.5+02:00')).toBe('2026-11-22T08:00:00.500000000Z');
    expect(normaliseTime('2026-11-21T23:30:00-01:00')).toBe('2026-11-22T00:30:00.000000000Z');
  });

  it('orders times chronologically where the raw strings do not', () => {
    const raw = ['2026-11-22T08:00:00.5Z', '2026-11-22T08:00:00Z', '2026-11-22T08:00:00.12Z', '2026-11-22T08:00:00.1Z'];
    // Raw string order puts `.1Z` after `.12Z` and `Z` after `.5Z`: wrong within the second.
    expect([...raw].sort()).toEqual(['2026-11-22T08:00:00.12Z', '2026-11-22T08:00:00.1Z', '2026-11-22T08:00:00.5Z', '2026-11-22T08:00:00Z']);
    const exact = raw.map((t) => normaliseTime(t) as string).sort();
    expect(exact).toEqual([
      '2026-11-22T08:00:00.000000000Z',
      '2026-11-22T08:00:00.100000000Z',
      '2026-11-22T08:00:00.120000000Z',
      '2026-11-22T08:00:00.500000000Z',
    ]);
  });

  it('distinguishes times one nanosecond apart', () => {
    const a = normaliseTime('2026-11-22T08:00:00.000000001Z') as string;
    const b = normaliseTime('2026-11-22T08:00:00.000000002Z') as string;
    expect(a < b).toBe(true);
  });

  it.each([
    '2026-11-22 08:00:00Z',
    '2026-11-22T08:00:00',
    '2026-11-22T08:00:00.1234567891Z',
    '2026-02-30T08:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T08:00:00+2:00',
    '',
    'not a time',
  ])('refuses %j', (text) => {
    expect(parseExactTime(text)).toBeNull();
  });

  it('normaliseTime gives null for non-strings', () => {
    expect(normaliseTime(1732262400)).toBeNull();
    expect(normaliseTime(undefined)).toBeNull();
  });

  it('writes Go RFC3339Nano: trailing zeros trimmed, no fraction when zero', () => {
    const seconds = Date.UTC(2026, 10, 22, 8) / 1000;
    expect(formatRfc3339Nano(seconds, 120000000)).toBe('2026-11-22T08:00:00.12Z');
    expect(formatRfc3339Nano(seconds, 0)).toBe('2026-11-22T08:00:00Z');
    expect(formatRfc3339Nano(seconds, 1)).toBe('2026-11-22T08:00:00.000000001Z');
    expect(parseExactTime(formatRfc3339Nano(seconds, 987654321))?.nanos).toBe(987654321);
  });
});
