import type { UserLookup } from '../../../../src-shared/users';
import { liveLabel, useUserLookup } from '../../api/use-users';
import './user-views.css';

/**
 * The empty table when the User filter is set: never a bare "no sessions" for a name the store
 * does not hold as typed. It says whether the name is known, and offers the users it probably
 * means ("did you mean alice (19 live)?"), one click (or Enter) away.
 */
export function UserEmptyState({ user, hint, onPick }: { user: string; hint: string; onPick: (user: string) => void }) {
  const lookup = useUserLookup(user);
  const data = lookup.data;
  return (
    <div className="placeholder user-empty" data-testid="user-empty-state" data-match={data?.match ?? (lookup.isError ? 'error' : 'loading')}>
      {data ? <Said lookup={data} hint={hint} onPick={onPick} /> : <p>{hint}</p>}
      {lookup.isPending ? (
        <p className="muted small" role="status">
          Checking which users the store holds…
        </p>
      ) : null}
      {lookup.isError ? <p className="error-text small">Could not check the name against the store: {lookup.error.message}</p> : null}
    </div>
  );
}

function Said({ lookup, hint, onPick }: { lookup: UserLookup; hint: string; onPick: (user: string) => void }) {
  const { text, match, user, suggestions } = lookup;
  const offers = match === 'resolved' && user !== undefined ? [{ user, live: lookup.live }, ...suggestions] : suggestions;
  if (match === 'exact') {
    return (
      <p role="status">
        <strong>{text}</strong> has {liveLabel(lookup.live)} {lookup.live === 1 ? 'session' : 'sessions'}, but none match the other filters. {hint}
      </p>
    );
  }
  const heading =
    lookup.known === true ? (
      <>
        <strong>{text}</strong> has no live session and none matching these filters
      </>
    ) : lookup.known === false ? (
      <>
        No user named “{text}” in this store
      </>
    ) : (
      <>
        No user named “{text}” has live sessions
      </>
    );
  return (
    <div role="status">
      <h2 className="user-empty-heading">
        {heading}
        {offers.length > 0 ? ' — did you mean' : '.'}
        {offers.length > 0 ? (
          <>
            {' '}
            {offers.map((o, i) => (
              <span key={o.user}>
                {i > 0 ? (i === offers.length - 1 ? ' or ' : ', ') : ''}
                <button type="button" className="link-button" data-testid="did-you-mean" data-user={o.user} onClick={() => onPick(o.user)}>
                  {o.user}
                </button>{' '}
                <span className="muted">({liveLabel(o.live)})</span>
              </span>
            ))}
            ?
          </>
        ) : null}
      </h2>
      {offers.length === 0 ? (
        <p className="muted small">
          {lookup.directory.users.toLocaleString('en-US')} users have live sessions here; user names match exactly. Check the spelling, or search the loaded rows instead.
        </p>
      ) : (
        <p className="muted small">User names match exactly: {offers.length === 1 ? 'choose the name' : 'choose one of the names'} to show its sessions.</p>
      )}
    </div>
  );
}
