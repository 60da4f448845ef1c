import { exactLabel, relativeTime, toMillis } from './format-time';

/** A store time as a relative phrase, exact to the nanosecond on hover and for screen readers. */
export function TimeCell({ value, now }: { value: string | null; now: number }) {
  if (value === null) return <span className="muted" title="The store holds no valid time here">—</span>;
  return (
    <time dateTime={value} title={exactLabel(value)}>
      {relativeTime(toMillis(value), now)}
    </time>
  );
}
