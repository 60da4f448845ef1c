/** Milliseconds since the epoch of a normalised store time (`…:00.123456789Z`). */
export function toMillis(exact: string): number {
  return Date.parse(`${exact.slice(0, 23)}Z`);
}

/** "42 s ago", "5 min ago", "in 3 h": scannable; the exact time goes in the hover title. */
export function relativeTime(ms: number, nowMs: number): string {
  const delta = Math.round((ms - nowMs) / 1000);
  const abs = Math.abs(delta);
  if (abs < 5) return 'just now';
  const [amount, unit] =
    abs < 60 ? [abs, 's']
    : abs < 3600 ? [Math.floor(abs / 60), 'min']
    : abs < 86400 ? [Math.floor(abs / 3600), 'h']
    : [Math.floor(abs / 86400), 'd'];
  return delta < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
}

/** `2026-11-22 08:00:00.123456789 UTC`: every digit the store holds. */
export function exactLabel(exact: string): string {
  return `${exact.slice(0, 10)} ${exact.slice(11, -1)} UTC`;
}

/** How long ago, without "ago", to the minute: "< 1 min", "12 min", "3 h", "2 d" (for "oldest 12 min"). */
export function ageLabel(ms: number, nowMs: number): string {
  const seconds = Math.max(0, Math.floor((nowMs - ms) / 1000));
  if (seconds < 60) return '< 1 min';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

/** `2026-11-22 08:00:00 UTC` for a time kept in milliseconds (not a store time). */
export function exactMillisLabel(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
