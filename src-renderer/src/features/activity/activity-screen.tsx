import { useId, useMemo, useState } from 'react';
import type { ActivitySummary } from '../../../../src-shared/activity';
import type { ActivityReason } from '../../../../src-shared/reason-codes';
import { useNavigation } from '../../app/navigation-store';
import { DEFAULT_FILTERS, useFilters } from '../sessions/filters-store';
import { ActivityAlarmLine } from '../proof/alarm-badge';
import { TimeChart } from './time-chart';
import { useActivity } from './use-activity';

type RangeChoice = '24h' | '7d' | '30d' | '90d' | 'custom';
const RANGES: Record<Exclude<RangeChoice, 'custom'>, { label: string; ms: number }> = {
  '24h': { label: 'Last 24 h', ms: 86_400_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000 },
  '90d': { label: 'Last 90 days', ms: 90 * 86_400_000 },
};

/**
 * Revocations over time stacked by reason, and small multiples: sessions now by status, top users,
 * top profiles, revocations by operator. A bar opens the sessions behind it in the workspace.
 */
export function ActivityScreen() {
  const id = useId();
  const [choice, setChoice] = useState<RangeChoice>('7d');
  const [custom, setCustom] = useState({ since: '', until: '' });
  const range = useMemo(() => rangeOf(choice, custom, Date.now()), [choice, custom]);
  const activity = useActivity(range);
  const openSessions = useOpenSessions();
  const summary = activity.data;
  const state = range === null ? 'invalid' : activity.isPending ? 'loading' : activity.isError && !summary ? 'error' : 'ready';

  return (
    <section className="screen activity" aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Activity</h1>
        <p className="count" aria-live="polite" data-testid="activity-total">
          {summary ? totalText(summary) : ''}
        </p>
      </header>
      <div className="filter-bar" role="search" aria-label="Activity range">
        <div className="filter-row">
          <fieldset className="status-filter">
            <legend className="visually-hidden">Range</legend>
            {([...Object.keys(RANGES), 'custom'] as RangeChoice[]).map((r) => (
              <label key={r} className={`toggle ${choice === r ? 'on' : ''}`}>
                <input type="radio" name={`${id}-range`} checked={choice === r} onChange={() => setChoice(r)} />
                {r === 'custom' ? 'Custom…' : RANGES[r].label}
              </label>
            ))}
          </fieldset>
          {choice === 'custom' ? (
            <>
              <label className="field">
                <span>From</span>
                <input type="datetime-local" value={custom.since} onChange={(e) => setCustom({ ...custom, since: e.target.value })} />
              </label>
              <label className="field">
                <span>To</span>
                <input type="datetime-local" value={custom.until} onChange={(e) => setCustom({ ...custom, until: e.target.value })} />
              </label>
            </>
          ) : null}
        </div>
      </div>
      <div className="screen-body activity-body" data-testid="activity" data-state={state}>
        <ActivityAlarmLine />
        {state === 'invalid' ? <p className="placeholder">Choose a start before the end (at most 400 days apart).</p> : null}
        {state === 'loading' ? <p className="placeholder" role="status">Loading activity…</p> : null}
        {state === 'error' ? (
          <div className="placeholder error" role="alert">
            <h2>Activity could not be loaded</h2>
            <p>{activity.error?.message}</p>
            <button type="button" onClick={() => void activity.refetch()}>
              Try again
            </button>
          </div>
        ) : null}
        {summary && state !== 'invalid' ? (
          <>
            <TimeChart
              summary={summary}
              onOpen={(window, reason) => openSessions({ revokedSince: window.since, revokedUntil: window.until, ...(reason ? { reasonCode: reason } : {}) })}
            />
            <div className="multiples">
              <SmallBars
                title="Sessions now, by status"
                testId="by-status"
                rows={[
                  { name: 'active', count: summary.byStatus.active },
                  { name: 'revoked', count: summary.byStatus.revoked },
                  { name: 'expired', count: summary.byStatus.expired },
                ]}
                note={summary.byStatus.capped ? 'Counting stopped at 100,000 per status.' : undefined}
              />
              <SmallBars
                title="Top users by revocations"
                testId="top-users"
                rows={summary.topUsers}
                onOpen={(name) => openSessions({ user: name, revokedSince: summary.since, revokedUntil: summary.until })}
              />
              <SmallBars
                title="Top profiles by revocations"
                testId="top-profiles"
                rows={summary.topProfiles}
                onOpen={(name) => (name.startsWith('(') ? undefined : openSessions({ profile: name, revokedSince: summary.since, revokedUntil: summary.until }))}
              />
              <SmallBars title="Revocations by operator" testId="by-operator" rows={summary.byOperator} />
            </div>
          </>
        ) : null}
      </div>
    </section>
  );
}

function totalText(s: ActivitySummary): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(s.total)} revocation${s.total === 1 ? '' : 's'}: ${n(s.fromLedger)} by Session Warden, ${n(s.fromStoreOnly)} by other tools`;
}

/** The workspace filtered to revoked sessions (of a window, a reason, a user or a profile). */
function useOpenSessions() {
  const set = useFilters((s) => s.set);
  const go = useNavigation((s) => s.go);
  return (patch: { revokedSince?: string; revokedUntil?: string; user?: string; profile?: string; reasonCode?: ActivityReason }) => {
    set({ ...DEFAULT_FILTERS, statuses: ['revoked'], ...patch });
    go('sessions');
  };
}

function SmallBars({ title, rows, testId, onOpen, note }: { title: string; rows: { name: string; count: number }[]; testId: string; onOpen?: (name: string) => void; note?: string | undefined }) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <section className="chart-card small" data-testid={testId} aria-label={title}>
      <h2>{title}</h2>
      {rows.length === 0 ? <p className="muted">None in this range.</p> : null}
      <ol className="small-bars">
        {rows.map((r) => (
          <li key={r.name}>
            {onOpen && !r.name.startsWith('(') ? (
              <button type="button" className="link-button bar-name" onClick={() => onOpen(r.name)} title={`Show the revoked sessions of ${r.name}`}>
                {r.name}
              </button>
            ) : (
              <span className="bar-name">{r.name}</span>
            )}
            <span className="bar-track" aria-hidden="true">
              <span className="bar-fill" style={{ width: `${(100 * r.count) / max}%` }} />
            </span>
            <span className="bar-count">{r.count.toLocaleString('en-US')}</span>
          </li>
        ))}
      </ol>
      {note ? <p className="muted small">{note}</p> : null}
    </section>
  );
}

function rangeOf(choice: RangeChoice, custom: { since: string; until: string }, now: number): { since: string; until: string } | null {
  if (choice !== 'custom') return { since: new Date(now - RANGES[choice].ms).toISOString(), until: new Date(now).toISOString() };
  const since = Date.parse(custom.since);
  const until = Date.parse(custom.until);
  if (Number.isNaN(since) || Number.isNaN(until) || since >= until || until - since > 400 * 86_400_000) return null;
  return { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
}
