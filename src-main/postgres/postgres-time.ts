import { formatUtc, parseExactTime } from '../stores/exact-time';

/**
 * A timestamptz as PostgreSQL prints it in ISO style (`2026-11-22 08:00:00.123456+00`, the zone
 * `+HH`, `+HH:MM` or `+HH:MM:SS`), read as text so no microsecond is lost.
 */
const PG_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;
/** The same in UTC (`+00`), at years 1000 to 9999 and a valid time of day: date, time, fraction. */
const PG_UTC_TIMESTAMP = /^[1-9]\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]) (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?\+00$/;
/** The zeros that make a fraction of k digits (k = 0 to 6, index k) nine digits long. */
const FRACTION_ZEROS = ['.000000000', '00000000', '0000000', '000000', '00000', '0000', '000'];

/**
 * PostgreSQL's text for a timestamptz in the normalised form every adapter returns (UTC, nine
 * fraction digits). Null for what has no such form: `infinity`, `-infinity`, years BC or beyond 9999.
 */
export function fromPgTime(text: string | null | undefined): string | null {
  // The pool's sessions run in UTC (TimeZone=UTC): the text is already the UTC time, and needs
  // only its layout changed, without a Date (an export maps four of these a row). Tested, not
  // matched, and cut by position (`YYYY-MM-DD HH:MM:SS`, then `.` and k digits or nothing, then
  // `+00`): the match's captures and padEnd took half the time of a million rows' times.
  if (typeof text === 'string' && PG_UTC_TIMESTAMP.test(text)) {
    const digits = text.length === 22 ? 0 : text.length - 23;
    return `${text.slice(0, 10)}T${text.slice(11, text.length - 3)}${FRACTION_ZEROS[digits] as string}Z`;
  }
  const m = typeof text === 'string' ? PG_TIMESTAMP.exec(text) : null;
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offset = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0));
  // setUTCFullYear: Date.UTC reads years 0 to 99 as 1900 to 1999.
  const local = new Date(Date.UTC(2000, month - 1, day, hour, minute, second)).setUTCFullYear(year);
  const epochSeconds = local / 1000 - offset;
  return formatUtc(epochSeconds, Number((m[7] ?? '').padEnd(6, '0')) * 1000);
}

/**
 * A filter bound (RFC 3339, up to nanoseconds) as a timestamptz literal PostgreSQL keeps exactly:
 * rounded to the microsecond towards the inside of the range (`up` for a lower bound, `down` for
 * an upper), since PostgreSQL would round a seventh digit to the nearest.
 */
export function toPgBound(text: string, round: 'up' | 'down'): string {
  const exact = parseExactTime(text);
  if (!exact) throw new Error(`not an RFC 3339 time: ${text}`);
  let seconds = exact.epochSeconds;
  let micros = round === 'up' ? Math.ceil(exact.nanos / 1000) : Math.floor(exact.nanos / 1000);
  if (micros === 1_000_000) {
    seconds += 1;
    micros = 0;
  }
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}
