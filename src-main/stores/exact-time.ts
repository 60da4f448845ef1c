/**
 * Go's RFC3339Nano, as Sentinel writes it: up to nine fraction digits with trailing zeros trimmed
 * (`…:00.123456789Z`, `…:00.1Z`, `…:00Z`), and sometimes a zone offset (`+02:00`). Such strings do
 * not sort chronologically within a second (`"00.5Z" < "00Z"`), so we normalise every time to UTC
 * with exactly nine fraction digits, which does sort, and keeps every nanosecond.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export interface ExactTime {
  /** Whole seconds since the Unix epoch. */
  readonly epochSeconds: number;
  /** 0 to 999,999,999. */
  readonly nanos: number;
  /** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` in UTC. */
  readonly utc: string;
}

export function parseExactTime(text: string): ExactTime | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetSeconds = 0;
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    offsetSeconds = (m[9] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const localSeconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  const epochSeconds = localSeconds - offsetSeconds;
  const nanos = Number((m[7] ?? '').padEnd(9, '0'));
  return { epochSeconds, nanos, utc: formatUtc(epochSeconds, nanos) };
}

/** The normalised UTC form, or null when the text is not an RFC 3339 time. */
export function normaliseTime(text: unknown): string | null {
  return typeof text === 'string' ? (parseExactTime(text)?.utc ?? null) : null;
}

export function formatUtc(epochSeconds: number, nanos: number): string {
  const whole = new Date(epochSeconds * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(nanos).padStart(9, '0')}Z`;
}

/** Go's RFC3339Nano for a UTC time: fraction digits with trailing zeros trimmed, none if zero. */
export function formatRfc3339Nano(epochSeconds: number, nanos: number): string {
  const whole = new Date(epochSeconds * 1000).toISOString().slice(0, 19);
  const fraction = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}Z` : `${whole}Z`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds since the epoch of an RFC 3339 time; null when the value is not one. */
export function epochMillis(value: unknown): number | null {
  const exact = typeof value === 'string' ? parseExactTime(value) : null;
  return exact ? exact.epochSeconds * 1000 + Math.floor(exact.nanos / 1e6) : null;
}
