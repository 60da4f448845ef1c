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
