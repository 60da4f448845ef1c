import { useCallback } from 'react';
import { SESSION_STATUSES, type SessionStatus } from '../../../../src-shared/session-status';
import { useNow } from '../../ui/use-now';
import { useSessions } from './use-sessions';
import { SessionsTable } from './sessions-table';
import { useSessionsUi } from './sessions-ui-store';

const EMPTY_HINT: Record<SessionStatus, string> = {
  active: 'No live sessions right now. New sessions appear here as Sentinel issues them; try Revoked or Expired to look back.',
  revoked: 'Nothing has been revoked in this store (or revoked sessions have already been removed by TTL).',
  expired: 'No expired sessions are left in the store: DynamoDB removes them some time after expiry.',
};

export function SessionsScreen() {
  const status = useSessionsUi((s) => s.status);
  const setStatus = useSessionsUi((s) => s.setStatus);
  const now = useNow();
  const query = useSessions(status);
  const sessions = query.data?.pages.flatMap((p) => p.sessions) ?? [];
  const { fetchNextPage, hasNextPage, isFetchingNextPage } = query;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  const state = query.isPending ? 'loading' : query.isError ? 'error' : sessions.length === 0 ? 'empty' : 'ready';

  return (
    <section className="screen" aria-labelledby="sessions-title">
      <header className="screen-header">
        <h1 id="sessions-title">Sessions</h1>
        <div className="segmented" role="radiogroup" aria-label="Status">
          {SESSION_STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              role="radio"
              aria-checked={status === s}
              className={status === s ? 'selected' : undefined}
              onClick={() => setStatus(s)}
            >
              {s[0]?.toUpperCase()}{s.slice(1)}
            </button>
          ))}
        </div>
        <p className="count" aria-live="polite" data-testid="sessions-count">
          {state === 'ready' ? `${sessions.length.toLocaleString('en-US')}${hasNextPage ? '+' : ''} ${status} sessions, newest first` : ''}
        </p>
      </header>
      <div className="screen-body" data-testid="sessions" data-state={state}>
        {state === 'loading' ? <p className="placeholder" role="status">Loading {status} sessions…</p> : null}
        {state === 'error' ? (
          <div className="placeholder error" role="alert">
            <h2>Sessions could not be loaded</h2>
            <p>{query.error?.message}</p>
            <button type="button" onClick={() => void query.refetch()}>Try again</button>
          </div>
        ) : null}
        {state === 'empty' ? <p className="placeholder">{EMPTY_HINT[status]}</p> : null}
        {state === 'ready' ? (
          <SessionsTable
            sessions={sessions}
            now={now}
            hasMore={hasNextPage}
            loadingMore={isFetchingNextPage}
            onNeedMore={loadMore}
            label={`${status} sessions`}
          />
        ) : null}
      </div>
    </section>
  );
}
