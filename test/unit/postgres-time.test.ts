import { describe, expect, it } from 'vitest';
import { fromPgTime } from '../../src-main/postgres/postgres-time';

describe('PostgreSQL times in the normalised UTC form', () => {
  it('reads UTC text (the pool runs in UTC) the same as the same instant in any other zone', () => {
    const cases: [string, string, string | null][] = [
      ['2026-11-22 08:00:00.123456+00', '2026-11-22 10:00:00.123456+02', '2026-11-22T08:00:00.123456000Z'],
      ['2026-11-22 08:00:00+00', '2026-11-22 03:30:00-04:30', '2026-11-22T08:00:00.000000000Z'],
      ['2026-12-31 23:59:59.5+00', '2027-01-01 00:59:59.5+01', '2026-12-31T23:59:59.500000000Z'],
      ['2024-02-29 00:00:00.000001+00', '2024-02-28 23:00:00.000001-01', '2024-02-29T00:00:00.000001000Z'],
      ['1000-01-01 00:00:00+00', '1000-01-01 00:00:00+00:00', '1000-01-01T00:00:00.000000000Z'],
      ['0099-06-01 12:00:00+00', '0099-06-01 13:00:00+01', '0099-06-01T12:00:00.000000000Z'],
    ];
    for (const [utc, zoned, expected] of cases) {
      expect(fromPgTime(utc)).toBe(expected);
      expect(fromPgTime(zoned)).toBe(expected);
    }
  });

  it('has no normalised form for infinity, years BC or past 9999, and nothing', () => {
    for (const text of ['infinity', '-infinity', '2026-11-22 08:00:00+00 BC', '10000-01-01 00:00:00+00', '', null, undefined]) expect(fromPgTime(text)).toBeNull();
  });
});
