import type { AuditRow, LedgerCoverage } from '../../../../src-shared/audit';
import { REASON_LABELS } from '../../../../src-shared/reason-codes';
import { CANARY_USER } from '../../../../src-shared/canary-defaults';
import { shortDevice } from './audit-filters';

/** Rows per page. */
export const PAGE = 200;

const INTERRUPTED_HINT =
  'An attempt was recorded but no outcome was recorded: Session Warden stopped between the two. The session may or may not have been revoked; check it on the Sessions screen.';

/**
 * The revocations, newest first, a page at a time. Rows of a team ledger name the desk that wrote
 * them; its `total` may be a lower bound (`coverage.complete` false), and an older page is then
 * always offered.
 */
export function AuditTable({ rows, offset, total, setOffset, coverage }: { rows: AuditRow[]; offset: number; total: number; setOffset: (offset: number) => void; coverage?: LedgerCoverage | undefined }) {
  const desks = rows.some((r) => r.device !== undefined);
  const exact = coverage?.complete !== false;
  const n = (x: number) => x.toLocaleString('en-US');
  return (
    <>
      {/* Focusable: with the application's audit log below, the ledger's rows may scroll, and a keyboard must reach them. */}
      <div className="table-scroll" tabIndex={0} aria-label="Ledger revocations, scrollable">
        <table className="audit-table" aria-label="Revocations, newest first">
          <thead>
            <tr>
              <th scope="col">
                <abbr title="Ledger entries: the attempt and its outcome">Entries</abbr>
              </th>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Operator</th>
              {desks ? (
                <th scope="col">
                  <abbr title="The desk (app or command line with its own data directory) that recorded the revocation, by its device id on the team ledger">Desk</abbr>
                </th>
              ) : null}
              <th scope="col">Connection</th>
              <th scope="col">User</th>
              <th scope="col">Session</th>
              <th scope="col">Reason</th>
              <th scope="col">Note</th>
              <th scope="col">Ticket</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.seq} data-testid="audit-row" data-outcome={r.outcome} data-device={r.device} title={r.outcome === 'interrupted' ? INTERRUPTED_HINT : undefined}>
                <td className="mono" title={entriesTitle(r)}>
                  {r.attemptSeq !== undefined && r.attemptSeq !== r.seq ? `${r.attemptSeq}, ${r.seq}` : r.seq}
                </td>
                <td className="mono">{r.time.slice(0, 19).replace('T', ' ')}</td>
                <td className="mono">{r.operator}</td>
                {desks ? (
                  <td className="mono" data-col="device" title={r.device ? `Device ${r.device}${r.device === coverage?.thisDevice ? ' (this desk)' : ''}` : undefined}>
                    {r.device ? shortDevice(r.device) : '—'}
                    {r.device !== undefined && r.device === coverage?.thisDevice ? <span className="muted"> (this desk)</span> : null}
                  </td>
                ) : null}
                <td className="clip">{r.connection}</td>
                <td className="clip" data-col="user">
                  {r.user || '—'}
                  {r.user === CANARY_USER ? (
                    <span className="canary-tag" data-testid="canary-tag" title="An enforcement canary: a test session Session Warden wrote, revoked and removed to prove revocations take effect. Not a person.">
                      {' '}
                      test canary
                    </span>
                  ) : null}
                </td>
                {/* A user whose sessions could not be listed is recorded without a session. */}
                <td className="mono">{r.sessionId || <span className="muted">—</span>}</td>
                <td data-col="reason" title={r.reasonCode}>
                  {REASON_LABELS[r.reasonCode]}
                </td>
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
          {n(offset + 1)}–{n(offset + rows.length)} of {exact ? n(total) : `at least ${n(total)}`}
        </span>
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          Newer
        </button>
        <button type="button" disabled={exact ? offset + PAGE >= total : rows.length < PAGE} onClick={() => setOffset(offset + PAGE)}>
          Older
        </button>
      </nav>
    </>
  );
}

/** Which ledger entries a row stands for, in words. */
function entriesTitle(r: AuditRow): string {
  const where = r.device !== undefined ? 'Team ledger' : 'Ledger';
  if (r.attemptSeq === undefined) return `${where} entry ${r.seq}: an outcome with no attempt (the user's sessions could not be listed)`;
  if (r.attemptSeq === r.seq) return `${where} entry ${r.seq}: an attempt with no outcome recorded`;
  return `${where} entries ${r.attemptSeq} (the attempt) and ${r.seq} (its outcome)`;
}

