import { useId } from 'react';
import { useBlacklistPending, useRetryBlacklist } from '../../api/use-blacklist';
import { useNavigation } from '../../app/navigation-store';
import { useNow } from '../../ui/use-now';
import { lastErrors, pendingDetails, pendingHeadline } from './pending-words';

/**
 * In the top bar, on every screen: blacklist writes that have not landed yet (revocations that
 * enforcement points may not see). Calm (amber, never red), said in words with a symbol, with
 * the way out next to it: Retry now, or the details on the Audit screen. Nothing when none.
 */
export function BlacklistPendingChip() {
  const pending = useBlacklistPending();
  const retry = useRetryBlacklist();
  const go = useNavigation((s) => s.go);
  const now = useNow(15_000);
  const errorId = useId();
  const data = pending.data;
  const shown = data !== undefined && data.total > 0;
  const errors = data ? lastErrors(data) : [];
  return (
    // A polite live region that stays in the page, so a chip appearing in it is announced.
    <div className="pending-chip-region" aria-live="polite">
      {shown ? (
        <div className="pending-chip" data-testid="blacklist-pending-chip" data-total={data.total} title={pendingDetails(data)}>
          <span aria-hidden="true" className="pending-chip-icon">
            ⚠
          </span>
          <button type="button" className="link-button pending-chip-text" onClick={() => go('audit')} aria-describedby={errors.length > 0 ? errorId : undefined}>
            {pendingHeadline(data, now)}
          </button>
          {errors.length > 0 ? (
            <span id={errorId} className="visually-hidden">
              Last attempt: {errors.join('; ')}
            </span>
          ) : null}
          <button type="button" className="small-button" onClick={() => retry.mutate()} disabled={retry.isPending}>
            {retry.isPending ? 'Retrying…' : 'Retry now'}
          </button>
        </div>
      ) : null}
    </div>
  );
}
