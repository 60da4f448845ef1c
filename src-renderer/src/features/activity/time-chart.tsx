import { useEffect, useId, useMemo, useRef, type KeyboardEvent, type ReactElement } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis, type BarShapeProps } from 'recharts';
import type { ActivitySummary } from '../../../../src-shared/activity';
import { ACTIVITY_REASONS, type ActivityReason } from '../../../../src-shared/reason-codes';
import { REASON_COLOURS, REASON_LABELS } from './reason-style';

/** A revocation-time window, as the Sessions filter takes it. */
export interface RevokedWindow {
  since: string;
  until: string;
}

/** One bar of the chart: a reason's revocations in one bucket. */
interface ChartBar {
  key: string;
  bucket: number;
  reason: ActivityReason;
  name: string;
}

const MOVES = ['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'Home', 'End'];

/**
 * Revocations per bucket, stacked by reason. Every bar is a button: Enter or Space (or a click)
 * opens the sessions of that bucket and that reason. The chart is one tab stop; the arrow keys
 * move between bars (left and right in time, up and down the stack; Home and End to the first and
 * the last bucket), and the focused bar is outlined.
 */
export function TimeChart({ summary, onOpen }: { summary: ActivitySummary; onOpen: (window: RevokedWindow, reason?: ActivityReason) => void }) {
  const id = useId();
  // The latest handler, for bars drawn once per summary (see below).
  const openRef = useRef(onOpen);
  useEffect(() => {
    openRef.current = onOpen;
  });
  const elements = useRef(new Map<string, SVGRectElement>());
  // The bar that has the tab stop, and one that lost the focus because new data redrew it.
  const roving = useRef<string | null>(null);
  const lost = useRef<string | null>(null);

  // Bars are drawn by recharts through `shape`: a new shape function redraws every bar and drops
  // the keyboard focus. So the shapes are made once per summary (react-query keeps an unchanged
  // summary the same object across refreshes), and the roving tab stop and the focus outline
  // are set on the elements directly.
  const chart = useMemo(() => {
    const used = ACTIVITY_REASONS.filter((r) => summary.series.some((b) => b.counts[r] > 0));
    const yearly = summary.since.slice(0, 4) !== summary.until.slice(0, 4);
    const bars: ChartBar[] = summary.series.flatMap((b, bucket) =>
      used
        .filter((reason) => b.counts[reason] > 0)
        .map((reason) => ({ key: `${bucket}:${reason}`, bucket, reason, name: barName(b.counts[reason], reason, b, summary.bucket, yearly) })),
    );
    const byKey = new Map(bars.map((b) => [b.key, b]));
    const bucketAt = new Map(summary.series.map((b, i) => [b.start, i]));
    const open = (bar: ChartBar) => {
      const bucket = summary.series[bar.bucket];
      if (bucket) openRef.current(windowOf(bucket, summary), bar.reason);
    };
    const rove = (key: string) => {
      roving.current = key;
      for (const [k, el] of elements.current) el.setAttribute('tabindex', k === key ? '0' : '-1');
    };
    const tabStop = () => (roving.current !== null && byKey.has(roving.current) ? roving.current : bars[0]?.key);
    const outline = (el: SVGRectElement, on: boolean) => {
      el.setAttribute('stroke', on ? 'var(--text)' : 'none');
      el.setAttribute('stroke-width', on ? '2' : '0');
    };
    const onKeyDown = (bar: ChartBar) => (event: KeyboardEvent<SVGRectElement>) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        open(bar);
        return;
      }
      if (!MOVES.includes(event.key)) return;
      event.preventDefault();
      const next = neighbour(bars, bar, event.key);
      if (next) elements.current.get(next.key)?.focus();
    };
    const shapeFor = (reason: ActivityReason) =>
      function renderBar(props: BarShapeProps): ReactElement {
        const bucket = bucketAt.get((props.payload as { start?: string } | undefined)?.start ?? '');
        const bar = byKey.get(`${bucket}:${reason}`);
        if (!bar) return <g />;
        return (
          <rect
            ref={(el) => {
              if (!el) return;
              elements.current.set(bar.key, el);
              if (lost.current === bar.key) {
                lost.current = null;
                el.focus();
              }
              return () => {
                // Still focused as it goes (refs are detached before the element is removed): refocus its successor.
                if (document.activeElement === el) lost.current = bar.key;
                elements.current.delete(bar.key);
              };
            }}
            x={props.x}
            y={props.y}
            width={props.width}
            height={Math.max(props.height, 0)}
            fill={REASON_COLOURS[reason]}
            role="button"
            tabIndex={bar.key === tabStop() ? 0 : -1}
            aria-label={bar.name}
            data-testid="chart-bar"
            cursor="pointer"
            onClick={() => open(bar)}
            onKeyDown={onKeyDown(bar)}
            onFocus={(e) => {
              rove(bar.key);
              outline(e.currentTarget, true);
            }}
            onBlur={(e) => outline(e.currentTarget, false)}
          />
        );
      };
    return { used, bars, yearly, shapes: new Map(used.map((r) => [r, shapeFor(r)])) };
  }, [summary]);

  const data = summary.series.map((b) => ({ label: bucketLabel(b.start, summary.bucket), start: b.start, end: b.end, total: b.total, ...b.counts }));
  return (
    <figure className="chart-card" aria-labelledby={`${id}-caption`} data-testid="time-chart">
      <figcaption id={`${id}-caption`}>
        Revocations per {summary.bucket}, by reason{' '}
        <span className="muted">(times in UTC; click a bar, or Tab to the chart, move with the arrow keys and press Enter, to see its sessions)</span>
      </figcaption>
      <div className="chart-area">
        <ResponsiveContainer width="100%" height={260}>
          {/* Recharts' own keyboard layer would be a second tab stop that only moves the tooltip. */}
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" vertical={false} />
            <XAxis dataKey="label" tick={{ fill: 'var(--muted)', fontSize: 11 }} interval="preserveStartEnd" minTickGap={24} />
            <YAxis allowDecimals={false} tick={{ fill: 'var(--muted)', fontSize: 11 }} width={40} />
            <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--line)', color: 'var(--text)' }} cursor={{ fill: 'var(--row-hover)' }} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {chart.used.map((reason) => (
              <Bar key={reason} dataKey={reason} name={REASON_LABELS[reason]} stackId="reasons" fill={REASON_COLOURS[reason]} shape={chart.shapes.get(reason)} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      {chart.used.length === 0 ? <p className="muted chart-empty">No revocations in this range.</p> : null}
      <details className="chart-table">
        <summary>Show the data as a table</summary>
        <table className="result-table" aria-label="Revocations per bucket">
          <thead>
            <tr>
              <th scope="col">{summary.bucket === 'hour' ? 'Hour' : summary.bucket === 'day' ? 'Day' : 'Week of'}</th>
              <th scope="col">Total</th>
              {chart.used.map((r) => (
                <th scope="col" key={r}>
                  {REASON_LABELS[r]}
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">Sessions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {summary.series.map((b) =>
              b.total === 0 ? null : (
                <tr key={b.start}>
                  <td className="mono">{bucketLabel(b.start, summary.bucket)}</td>
                  <td>{b.total}</td>
                  {chart.used.map((r) => (
                    <td key={r}>
                      {b.counts[r] > 0 ? (
                        <button type="button" className="link-button" aria-label={barName(b.counts[r], r, b, summary.bucket, chart.yearly)} onClick={() => onOpen(windowOf(b, summary), r)}>
                          {b.counts[r]}
                        </button>
                      ) : (
                        0
                      )}
                    </td>
                  ))}
                  <td>
                    <button type="button" className="link-button" onClick={() => onOpen(windowOf(b, summary))}>
                      Show sessions
                    </button>
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** The bar an arrow key (or Home, End) moves to from `from`, if any. */
function neighbour(bars: readonly ChartBar[], from: ChartBar, key: string): ChartBar | undefined {
  const buckets = [...new Set(bars.map((b) => b.bucket))];
  const stackOf = (bucket: number | undefined) => bars.filter((b) => b.bucket === bucket);
  // Across buckets, stay on the same reason where that bucket has it, else its lowest bar.
  const inBucket = (bucket: number | undefined) => {
    const stack = stackOf(bucket);
    return stack.find((b) => b.reason === from.reason) ?? stack[0];
  };
  const at = buckets.indexOf(from.bucket);
  const stack = stackOf(from.bucket);
  const level = stack.indexOf(from);
  switch (key) {
    case 'ArrowRight':
      return inBucket(buckets[at + 1]);
    case 'ArrowLeft':
      return inBucket(buckets[at - 1]);
    case 'ArrowUp':
      return stack[level + 1];
    case 'ArrowDown':
      return stack[level - 1];
    case 'Home':
      return stackOf(buckets[0])[0];
    case 'End':
      return stackOf(buckets.at(-1))[0];
    default:
      return undefined;
  }
}

/** What a bar is called: "12 revocations, credential compromise, 30 Nov". */
function barName(count: number, reason: ActivityReason, b: { start: string; end: string }, bucket: ActivitySummary['bucket'], yearly: boolean): string {
  return `${count.toLocaleString('en-US')} revocation${count === 1 ? '' : 's'}, ${REASON_LABELS[reason].toLowerCase()}, ${bucketName(b.start, b.end, bucket, yearly)}`;
}

/**
 * The revocation-time window a bucket stands for, within the range the chart counts: from its
 * start (or the range's) up to one nanosecond before the next bucket (or the range's end), so
 * that a revocation on a bucket boundary opens in one bucket only, the one that counts it.
 */
export function windowOf(bucket: { start: string; end: string }, summary: ActivitySummary): RevokedWindow {
  const since = Date.parse(bucket.start) < Date.parse(summary.since) ? summary.since : bucket.start;
  const end = Date.parse(bucket.end);
  const until = end <= Date.parse(summary.until) ? `${new Date(end - 1000).toISOString().slice(0, 19)}.999999999Z` : summary.until;
  return { since, until };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A bucket as a screen reader says it: `30 Nov 08:00–09:00 UTC`, `30 Nov`, `week of 24 Nov` (with the year when the range spans two). */
function bucketName(start: string, end: string, bucket: ActivitySummary['bucket'], yearly: boolean): string {
  const day = `${Number(start.slice(8, 10))} ${MONTHS[Number(start.slice(5, 7)) - 1] ?? ''}${yearly ? ` ${start.slice(0, 4)}` : ''}`;
  if (bucket === 'hour') return `${day} ${start.slice(11, 16)}–${end.slice(11, 16)} UTC`;
  return bucket === 'day' ? day : `week of ${day}`;
}

export function bucketLabel(iso: string, bucket: ActivitySummary['bucket']): string {
  return bucket === 'hour' ? iso.slice(5, 16).replace('T', ' ') : iso.slice(0, 10);
}
