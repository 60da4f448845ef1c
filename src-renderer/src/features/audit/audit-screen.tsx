import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { AuditRow } from '../../../../src-shared/audit';
import { OUTCOMES, REASON_CODES } from '../../../../src-shared/reason-codes';
import { wardenClient } from '../../api/warden-client';
import { ExportControl } from '../export/export-control';
import { PendingBlacklistWrites } from './pending-blacklist-writes';

const PAGE = 200;

/** The ledger as a filterable table, with its verification state and pending blacklist writes above it, and exports. */
export function AuditScreen() {
  const id = useId();
  const [text, setText] = useState('');
  const [outcome, setOutcome] = useState('');
  const [reasonCode, setReasonCode] = useState('');
  const [offset, setOffset] = useState(0);
  const request = {
    ...(text.trim() ? { text: text.trim() } : {}),
    ...(outcome ? { outcome: outcome as AuditRow['outcome'] } : {}),
    ...(reasonCode ? { reasonCode: reasonCode as AuditRow['reasonCode'] } : {}),
    limit: PAGE,
    offset,
  };
  const rows = useQuery({ queryKey: ['ledger', 'list', request], queryFn: () => wardenClient.listLedger(request), placeholderData: keepPreviousData, refetchInterval: 15_000 });
  const verify = useQuery({ queryKey: ['ledger', 'verify'], queryFn: wardenClient.verifyLedger, refetchInterval: 60_000 });
  const filterChanged = (apply: () => void) => {
    apply();
    setOffset(0);
  };
  const total = rows.data?.total ?? 0;
  const state = rows.isPending ? 'loading' : rows.isError && !rows.data ? 'error' : total === 0 ? 'empty' : 'ready';

  return (
    <section className="screen audit" aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Audit</h1>
        <ExportControl target={{ kind: 'ledger' }} label="Export the ledger" />
      </header>
      <VerificationBanner verify={verify} />
      <PendingBlacklistWrites />
      <div className="filter-bar" role="search" aria-label="Ledger filters">
        <div className="filter-row">
          <label className="field search" htmlFor={`${id}-text`}>
            <span>Search operator, user, session, ticket, note</span>
            <input id={`${id}-text`} type="search" value={text} onChange={(e) => filterChanged(() => setText(e.target.value))} />
          </label>
          <label className="field" htmlFor={`${id}-reason`}>
            <span>Reason code</span>
            <select id={`${id}-reason`} value={reasonCode} onChange={(e) => filterChanged(() => setReasonCode(e.target.value))}>
              <option value="">Any</option>
              {REASON_CODES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label className="field" htmlFor={`${id}-outcome`}>
            <span>Outcome</span>
            <select id={`${id}-outcome`} value={outcome} onChange={(e) => filterChanged(() => setOutcome(e.target.value))}>
              <option value="">Any</option>
              {[...OUTCOMES, 'interrupted'].map((o) => (
                <option key={o} value={o}>
                  {o.replace('_', ' ')}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      <div className="screen-body" data-testid="audit" data-state={state}>
        {state === 'loading' ? <p className="placeholder" role="status">Reading the ledger…</p> : null}
        {state === 'error' ? (
          <p className="placeholder error" role="alert">
            The ledger could not be read: {rows.error?.message}
          </p>
        ) : null}
        {state === 'empty' ? <p className="placeholder">No ledger entries match. Revocations made with Session Warden appear here.</p> : null}
        {state === 'ready' && rows.data ? (
          <>
            <div className="table-scroll">
              <table className="audit-table" aria-label="Ledger entries, newest first">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Time (UTC)</th>
                    <th scope="col">Operator</th>
                    <th scope="col">User</th>
                    <th scope="col">Session</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Note</th>
                    <th scope="col">Ticket</th>
                    <th scope="col">Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.data.rows.map((r) => (
                    <tr key={r.seq} data-testid="audit-row" data-outcome={r.outcome}>
                      <td className="mono">{r.seq}</td>
                      <td className="mono">{r.time.slice(0, 19).replace('T', ' ')}</td>
                      <td className="mono">{r.operator}</td>
                      <td className="clip">{r.user || '—'}</td>
                      {/* A user whose sessions could not be listed is recorded without a session. */}
                      <td className="mono">{r.sessionId || <span className="muted">—</span>}</td>
                      <td>{r.reasonCode}</td>
                      <td className="clip">{r.note ?? ''}</td>
                      <td>{r.ticket ?? ''}</td>
                      <td>
                        <span className={`outcome outcome-${r.outcome}`}>{r.outcome.replace('_', ' ')}</span>
                        {r.error ? <span className="error-text small"> {r.error}</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <nav className="pager" aria-label="Ledger pages">
              <span data-testid="audit-range">
                {offset + 1}–{Math.min(offset + PAGE, total)} of {total.toLocaleString('en-US')}
              </span>
              <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                Newer
              </button>
              <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
                Older
              </button>
            </nav>
          </>
        ) : null}
      </div>
    </section>
  );
}

function VerificationBanner({ verify }: { verify: ReturnType<typeof useQuery<{ ok: boolean; verifiedEntries: number; brokenAt?: number | undefined; reason?: string | undefined }>> }) {
  if (verify.isPending) return <p className="verify-banner" role="status">Verifying the ledger's hash chain…</p>;
  if (verify.isError) return <p className="verify-banner broken" role="alert">The ledger could not be verified: {verify.error.message}</p>;
  const report = verify.data;
  if (report.ok) {
    return (
      <p className="verify-banner ok" role="status" data-testid="verify-banner">
        <span aria-hidden="true">✓</span> Ledger verified: all {report.verifiedEntries.toLocaleString('en-US')} entries intact, hash chain and head checkpoint match.
      </p>
    );
  }
  return (
    <p className="verify-banner broken" role="alert" data-testid="verify-banner">
      <span aria-hidden="true">✗</span> Ledger BROKEN at entry {report.brokenAt}: {report.reason}. Verified up to entry {report.verifiedEntries}; do not rely on later entries.
    </p>
  );
}
