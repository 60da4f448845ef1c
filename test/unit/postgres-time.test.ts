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

  it('reads UTC text by position exactly as by the pattern captures (every fraction length, and near misses to the general reading)', () => {
    // The reading before it was cut by position: the same pattern, its captures padded.
    const captures = /^([1-9]\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])) ((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)(?:\.(\d{1,6}))?\+00$/;
    const reference = (text: string) => {
      const m = captures.exec(text);
      return m ? `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(9, '0')}Z` : undefined;
    };
    const texts = ['1000-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00', '2026-02-31 00:00:00+00', '2026-11-22 08:00:00.000001+00'];
    for (let i = 0; i < 2000; i += 1) {
      const digits = i % 7;
      const fraction = digits === 0 ? '' : `.${String((i * 7919) % 10 ** digits).padStart(digits, '0')}`;
      texts.push(`${String(1000 + ((i * 37) % 9000))}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 31)).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}${fraction}+00`);
    }
    for (const text of texts) expect(fromPgTime(text)).toBe(reference(text));
    // Not the UTC form: read by the general pattern (another zone, no fraction digits, seven of them, hour 24, a year before 1000).
    const misses: [string, string | null][] = [
      ['2026-11-22 08:00:00+01', '2026-11-22T07:00:00.000000000Z'],
      ['2026-11-22 08:00:00.+00', null],
      ['2026-11-22 08:00:00.1234567+00', null],
      ['2026-11-22 24:00:00+00', '2026-11-23T00:00:00.000000000Z'],
      ['0999-12-31 23:59:59.5+00', '0999-12-31T23:59:59.500000000Z'],
      [' 2026-11-22 08:00:00+00', null],
      ['2026-11-22 08:00:00+000', null],
    ];
    for (const [text, expected] of misses) {
      expect(reference(text)).toBeUndefined();
      expect(fromPgTime(text)).toBe(expected);
    }
  });
});
