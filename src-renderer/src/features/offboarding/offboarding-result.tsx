import { useEffect, useRef } from 'react';
import type { RevokeOutcome } from '../../api/revoke-outcome';
import { useCapabilities } from '../../api/use-app-info';
import type { useRevoke } from '../../api/use-revoke';
import { BlacklistGaps, useBlacklistGapView } from '../revoke/blacklist-gaps';
import { RetryFailed } from '../revoke/revoke-form-parts';
import { OpenInAudit, RunRecord, SaveEvidence } from '../revoke/run-record';
import { whenRevocationTakesEffect } from '../revoke/takes-effect';
import { plural, type ListRow } from './offboarding-rows';

interface UserOutcome {
  /** The store's user, or the name as typed for an unknown one. */
  user: string;
  /** The names of the list this row answers. */
  requested: string[];
  known: boolean;
  revoked: number;
  alreadyOrExpired: number;
  problems: number;
  pendingBlacklist: number;
  failedBlacklist: number;
  /** Why this user's sessions could not be (fully) listed: a failure, never "no active session". */
  unlisted?: string;
}

/**
 * What the run did for every requested name: sessions revoked per user (under every name of the
 * list it answers), users with nothing live, names unknown to the store, users that could not be
 * listed; then the evidence (read back from the ledger, one record per name and per session).
 */
export function OffboardingResult({ report, revoke, rows: listRows }: { report: RevokeOutcome; revoke: ReturnType<typeof useRevoke>; rows: ListRow[] }) {
  const capabilities = useCapabilities();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const empty = (user: string, known: boolean): UserOutcome => ({ user, requested: [], known, revoked: 0, alreadyOrExpired: 0, problems: 0, pendingBlacklist: 0, failedBlacklist: 0 });
  const byUser = new Map<string, UserOutcome>();
  for (const r of listRows) {
    const key = r.preview.known ? r.preview.user : `unknown:${r.typed}`;
    const row = byUser.get(key) ?? empty(r.preview.known ? r.preview.user : r.typed, r.preview.known);
    row.requested.push(r.typed);
    byUser.set(key, row);
  }
  for (const r of report.results) {
    const row = byUser.get(r.user) ?? empty(r.user || '(unknown)', true);
    if (r.outcome === 'revoked') row.revoked += 1;
    else if (r.outcome === 'already_revoked' || r.outcome === 'expired') row.alreadyOrExpired += 1;
    else row.problems += 1;
    if (r.outcome !== 'failed' && r.blacklist === 'pending') row.pendingBlacklist += 1;
    if (r.outcome !== 'failed' && r.blacklist === 'failed') row.failedBlacklist += 1;
    byUser.set(r.user, row);
  }
  for (const { user, error } of report.unlistedUsers) byUser.set(user, { ...(byUser.get(user) ?? empty(user, true)), unlisted: error });
  const rows = [...byUser.values()];
  const gaps = useBlacklistGapView(report, revoke.settledAt);
  const mirrored = report.results.some((r) => r.blacklist !== undefined);
  const anyBlacklistFailed = rows.some((u) => u.failedBlacklist > 0);
  const unlisted = rows.filter((u) => u.unlisted !== undefined).length;
  const unknown = rows.filter((u) => !u.known).length;
  const quiet = rows.filter((u) => u.known && u.unlisted === undefined && u.revoked + u.alreadyOrExpired + u.problems === 0).length;
  const problems = rows.reduce((n, u) => n + u.problems, 0);
  const revokedTotal = rows.reduce((n, u) => n + u.revoked, 0);
  const revokedUsers = rows.filter((u) => u.revoked > 0).length;
  const revokedText = `${plural(revokedTotal, 'session')} of ${plural(revokedUsers, 'user')}`;
  const summary = [
    problems > 0 ? `${problems} not revoked (see below)` : null,
    unlisted > 0 ? `${plural(unlisted, 'user')} could not be listed (see below)` : null,
    quiet > 0 ? `${plural(quiet, 'user')} with no live session` : null,
    unknown > 0 ? `${plural(unknown, 'unknown name')}, nothing revoked` : null,
  ].filter(Boolean);
  return (
    <div className="panel" data-testid="offboarding-result">
      <h2 ref={heading} tabIndex={-1}>
        {gaps.notBlacklisted > 0 ? `Revoked in the store: ${revokedText} — ${gaps.notBlacklisted} not yet blacklisted` : `Done: ${revokedText} revoked`}
        {summary.length > 0 ? `; ${summary.join('; ')}` : ''}
      </h2>
      <p className="muted small" data-testid="takes-effect">
        Recorded as {report.operator}, every requested name in the ledger. {whenRevocationTakesEffect(capabilities)}
      </p>
      <RunRecord report={report} confirmed={revoke.confirmed} confirmedCount={null} />
      <div className="result-scroll">
        <table className="result-table" aria-label="Result per requested name">
          <thead>
            <tr>
              <th scope="col">Requested</th>
              <th scope="col">User in the store</th>
              <th scope="col" className="num">
                Revoked
              </th>
              <th scope="col" className="num">
                Already revoked or expired
              </th>
              <th scope="col" className="num">
                Failed or not found
              </th>
              {mirrored ? (
                <th scope="col" className="num">
                  Blacklist pending
                </th>
              ) : null}
              {anyBlacklistFailed ? (
                <th scope="col" className="num">
                  Blacklist failed
                </th>
              ) : null}
              <th scope="col">Record</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => (
              <tr
                key={`${u.known ? 'user' : 'unknown'}:${u.user}`}
                data-testid="user-result-row"
                data-user={u.user}
                data-revoked={u.revoked}
                data-state={u.unlisted !== undefined ? 'failed' : !u.known ? 'unknown' : undefined}
              >
                <td>{u.requested.join(', ') || u.user}</td>
                <td>{u.known ? u.user : <span className="muted">—</span>}</td>
                <td className="num">{u.revoked}</td>
                <td className="num">{u.alreadyOrExpired}</td>
                <td className={`num ${u.problems ? 'error-text' : ''}`}>{u.problems}</td>
                {mirrored ? <td className="num">{gaps.landed && u.pendingBlacklist > 0 ? `0 (${u.pendingBlacklist} landed since)` : u.pendingBlacklist}</td> : null}
                {anyBlacklistFailed ? (
                  <td className={`num ${u.failedBlacklist && !gaps.landed ? 'error-text' : ''}`}>
                    {gaps.landed && u.failedBlacklist > 0 ? `0 (${u.failedBlacklist} landed since)` : u.failedBlacklist}
                  </td>
                ) : null}
                <td data-testid="record">
                  {u.unlisted !== undefined ? (
                    <span className="error-text">
                      <span aria-hidden="true">✗ </span>
                      <strong>could not be listed:</strong> {u.unlisted}
                    </span>
                  ) : !u.known ? (
                    <span className="flag">
                      <span aria-hidden="true">⚠ </span>unknown: no such user
                    </span>
                  ) : u.revoked + u.alreadyOrExpired + u.problems === 0 ? (
                    <span className="muted">no live sessions</span>
                  ) : u.problems > 0 ? (
                    <span className="error-text">not all revoked (see below)</span>
                  ) : (
                    <span className="muted">{u.revoked > 0 ? 'revoked' : 'already revoked or expired'}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <BlacklistGaps view={gaps} />
      <FailureReasons report={report} />
      <RetryFailed revoke={revoke} headingRef={heading} />
      <div className="row">
        <OpenInAudit report={report} />
        <SaveEvidence report={report} disabled={revoke.isPending} primary detail="one per session and one per name with nothing revoked" />
      </div>
    </div>
  );
}

/** Why sessions were not revoked, each distinct reason once with how many sessions it hit. */
function FailureReasons({ report }: { report: RevokeOutcome }) {
  const reasons = new Map<string, number>();
  for (const r of report.results) {
    if (r.outcome !== 'failed' && r.outcome !== 'not_found') continue;
    const why = r.outcome === 'not_found' ? 'Not found in the store (ended or removed meanwhile).' : (r.error ?? 'No reason given.');
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  if (reasons.size === 0) return null;
  const shown = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return (
    <div className="failure-reasons" data-testid="failure-reasons">
      <h3>Why sessions were not revoked</h3>
      <ul>
        {shown.map(([why, n]) => (
          <li key={why}>
            <strong>{plural(n, 'session')}:</strong> <span className="error-text">{why}</span>
          </li>
        ))}
      </ul>
      {reasons.size > shown.length ? <p className="muted small">…and {plural(reasons.size - shown.length, 'other reason')}; the evidence file lists each session.</p> : null}
    </div>
  );
}
