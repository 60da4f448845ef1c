import { useId } from 'react';
import { useBlacklistPending, useRetryBlacklist } from '../../api/use-blacklist';
import { exactMillisLabel, relativeTime } from '../../ui/format-time';
import { useNow } from '../../ui/use-now';
import { deliveredBy, pendingHeadline } from '../blacklist/pending-words';

/**
 * Blacklist writes kept in the outboxes until their Redis takes them, per blacklist Redis: who
 * delivers them, how many, since when, and why the last attempt did not land them.
 */
export function PendingBlacklistWrites() {
  const id = useId();
  const pending = useBlacklistPending();
  const retry = useRetryBlacklist();
  const now = useNow(15_000);
  const data = pending.data;
  const state = pending.isPending ? 'loading' : !data ? 'error' : data.total === 0 ? 'empty' : 'pending';
  return (
    <section className={`pending-writes pending-writes-${state}`} aria-labelledby={`${id}-title`} data-testid="pending-blacklist-writes" data-state={state}>
      <div className="pending-writes-head">
        <h2 id={`${id}-title`}>Pending blacklist writes</h2>
        {state === 'pending' && data ? (
          <>
            <span className="pending-writes-summary">
              <span aria-hidden="true">⚠ </span>
              {pendingHeadline(data, now)}
            </span>
            <button type="button" className="small-button" onClick={() => retry.mutate()} disabled={retry.isPending}>
              {retry.isPending ? 'Retrying…' : 'Retry now'}
            </button>
          </>
        ) : null}
      </div>
      {state === 'loading' ? <p className="muted small">Reading the outboxes…</p> : null}
      {state === 'error' ? (
        <p className="error-text small" role="alert">
          Pending blacklist writes could not be read: {pending.error?.message}. They stay on disk and are retried; this view tries again in 15 s.
        </p>
      ) : null}
      {state === 'empty' ? <p className="muted small">No blacklist writes pending.</p> : null}
      {state === 'pending' && data ? (
        <>
          <p className="muted small">
            These sessions are revoked in their store, but enforcement points that check the blacklist may still accept them until the write lands. Each
            outbox is retried every 15 s with its own connection&apos;s credentials, whichever connection is on screen.
          </p>
          <table className="audit-table pending-writes-table" aria-label="Pending blacklist writes per blacklist Redis">
            <thead>
              <tr>
                <th scope="col">Connection</th>
                <th scope="col">Blacklist Redis</th>
                <th scope="col" className="num">
                  Pending
                </th>
                <th scope="col">Oldest</th>
                <th scope="col">Last attempt</th>
              </tr>
            </thead>
            <tbody>
              {data.targets.map((t, index) => (
                <tr key={`${index}:${t.target ?? ''}`} data-testid="pending-target" data-connection={t.connection ?? ''}>
                  <td className={t.connection ? '' : 'muted'}>{deliveredBy(t)}</td>
                  <td className="mono">{t.target ?? 'unknown (the outbox does not say)'}</td>
                  <td className="num">{t.pending}</td>
                  <td>
                    {t.oldestQueuedAtMs === null ? (
                      <span className="muted">unknown</span>
                    ) : (
                      <time dateTime={new Date(t.oldestQueuedAtMs).toISOString()} title={exactMillisLabel(t.oldestQueuedAtMs)}>
                        {relativeTime(t.oldestQueuedAtMs, now)}
                      </time>
                    )}
                  </td>
                  <td>
                    {t.lastAttemptMs === null ? (
                      <span className="muted">not tried yet</span>
                    ) : (
                      <time dateTime={new Date(t.lastAttemptMs).toISOString()} title={exactMillisLabel(t.lastAttemptMs)}>
                        {relativeTime(t.lastAttemptMs, now)}
                      </time>
                    )}
                    {t.error ? (
                      <span className="pending-error" data-testid="pending-error">
                        <span aria-hidden="true">✗ </span>
                        {t.error}
                      </span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
