import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { StoreAuditPage, StoreAuditRow } from '../../../../src-shared/store-audit';
import { useAppInfo } from '../../api/use-app-info';
import { wardenClient } from '../../api/warden-client';
import { ExportControl } from '../export/export-control';
import './store-audit-log.css';

/** Rows per page of the store's audit log. */
export const STORE_AUDIT_PAGE = 50;

/** `2026-10-01T08:30` (a datetime-local value) as UTC: the start of that minute, or its end for an upper bound. */
function utcOf(value: string, end: boolean): string | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(value) || Number.isNaN(Date.parse(`${value}:00Z`))) return undefined;
  return `${value}${end ? ':59.999' : ':00.000'}Z`;
}

/**
 * The store's own audit log of revocations (the web app's `session_audit_log`), when the active
 * connection's capabilities offer one: revocations by the application, by its users ("log out
 * everywhere") and by other tools, beside the ledger. Rows Session Warden wrote are the ledger's
 * revocations again: they are marked "also in the ledger" and never counted a second time. Every
 * string is the store's (untrusted): React text only.
 */
export function StoreAuditLog() {
  const info = useAppInfo();
  const table = info.data?.connection.capabilities.storeAudit ?? null;
  // A new connection starts from its newest page with no window.
  return table ? <StoreAuditSection key={info.data?.connection.nonce} table={table} /> : null;
}

function StoreAuditSection({ table }: { table: string }) {
  const id = useId();
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  // The `before` of each page shown so far: the last is the current page (undefined: the newest).
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  const bounds = { ...(utcOf(since, false) ? { since: utcOf(since, false) } : {}), ...(utcOf(until, true) ? { until: utcOf(until, true) } : {}) };
  const before = pages[pages.length - 1];
  const request = { ...bounds, limit: STORE_AUDIT_PAGE, ...(before !== undefined ? { before } : {}) };
  const rows = useQuery({
    queryKey: ['audit', 'store', request],
    queryFn: (): Promise<StoreAuditPage> => wardenClient.audit.store(request),
    placeholderData: keepPreviousData,
    // Only the newest page changes as the app writes: older pages are fixed by their keyset.
    refetchInterval: before === undefined ? 15_000 : false,
  });
  const setWindow = (patch: { since?: string; until?: string }) => {
    if (patch.since !== undefined) setSince(patch.since);
    if (patch.until !== undefined) setUntil(patch.until);
    setPages([undefined]);
  };
  const data = rows.data;
  const state = rows.isPending ? 'loading' : rows.isError && !data ? 'error' : data && data.rows.length === 0 ? 'empty' : 'ready';
  const ours = data ? data.rows.filter((r) => r.bySessionWarden).length : 0;
  const theirs = data ? data.rows.length - ours : 0;
  const first = (pages.length - 1) * STORE_AUDIT_PAGE;
  const n = (x: number) => x.toLocaleString('en-US');

  return (
    <section className="store-audit" aria-labelledby={`${id}-title`} data-testid="store-audit" data-state={state}>
      <header className="store-audit-header">
        <div className="store-audit-title">
          <h2 id={`${id}-title`}>
            The application's audit log (<span className="mono">{table}</span>)
          </h2>
          <ExportControl target={{ kind: 'store-audit', window: bounds }} label={Object.keys(bounds).length > 0 ? `Export ${table} in this window` : `Export ${table}`} />
        </div>
        <p className="muted small">
          Revocations the application recorded itself: by the app (revoke all), by users logging out, by other tools, and by Session Warden. Rows Session Warden wrote are the
          same revocations as the ledger's above: marked "also in the ledger", not counted again.
        </p>
      </header>
      <div className="filter-row store-audit-window" role="group" aria-label="Time window of the application's audit log">
        <div className="field">
          <label htmlFor={`${id}-since`}>Written from (UTC)</label>
          <input id={`${id}-since`} type="datetime-local" value={since} max={until || undefined} onChange={(e) => setWindow({ since: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-until`}>Written to (UTC)</label>
          <input id={`${id}-until`} type="datetime-local" value={until} min={since || undefined} onChange={(e) => setWindow({ until: e.target.value })} />
        </div>
        <p className="count" role="status" data-testid="store-audit-count">
          {data && data.rows.length > 0
            ? `${n(data.rows.length)} row${data.rows.length === 1 ? '' : 's'} on this page: ${n(theirs)} by the application, its users or other tools; ${n(ours)} by Session Warden (also in the ledger, counted there)`
            : ''}
        </p>
      </div>
      {state === 'loading' ? (
        <p className="placeholder" role="status">
          Reading {table}…
        </p>
      ) : null}
      {state === 'error' ? (
        <p className="placeholder error" role="alert">
          {table} could not be read: {rows.error?.message}
        </p>
      ) : null}
      {state === 'empty' ? (
        <p className="placeholder" data-testid="store-audit-empty">
          {pages.length > 1 ? 'No older revocations in this window.' : Object.keys(bounds).length > 0 ? `No revocations in ${table} in this window.` : `No revocations in ${table} yet.`}
        </p>
      ) : null}
      {state === 'ready' && data ? (
        <>
          <div className="table-scroll store-audit-scroll" tabIndex={0} aria-label={`${table} rows, scrollable`}>
            <table className="audit-table" data-testid="store-audit-table">
              <caption className="visually-hidden">Revocations recorded in the application's {table}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time (UTC)</th>
                  <th scope="col">Action</th>
                  <th scope="col">Written by</th>
                  <th scope="col">Session</th>
                  <th scope="col">User</th>
                  <th scope="col">By</th>
                  <th scope="col">Reason</th>
                  <th scope="col">IP address</th>
                  <th scope="col">User agent</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((r) => (
                  <StoreAuditTableRow key={r.id} row={r} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {state === 'ready' || pages.length > 1 ? (
        <nav className="pager" aria-label={`${table} pages`}>
          <span data-testid="store-audit-range">{data && data.rows.length > 0 ? `${n(first + 1)}–${n(first + data.rows.length)}, newest first` : ''}</span>
          <button type="button" disabled={pages.length === 1} onClick={() => setPages((p) => p.slice(0, -1))}>
            Newer
          </button>
          <button type="button" disabled={!data?.nextBefore || rows.isPlaceholderData} onClick={() => data?.nextBefore && setPages((p) => [...p, data.nextBefore])}>
            Older
          </button>
        </nav>
      ) : null}
    </section>
  );
}

function StoreAuditTableRow({ row: r }: { row: StoreAuditRow }) {
  const all = r.action === 'REVOKE_ALL';
  return (
    <tr data-testid="store-audit-row" data-action={r.action} data-ours={r.bySessionWarden ? 'true' : 'false'}>
      <td className="mono nowrap" title={r.createdAt ?? undefined}>
        {r.createdAt ? r.createdAt.slice(0, 19).replace('T', ' ') : '—'}
      </td>
      <td className="mono">{r.action}</td>
      <td>
        {r.bySessionWarden ? (
          <span className="store-audit-ours" title="Written by Session Warden: the same revocation as its ledger entry, counted there">
            Session Warden<span className="store-audit-sub">also in the ledger</span>
          </span>
        ) : (
          <span className="muted">the app or another tool</span>
        )}
      </td>
      <td className={r.sessionId ? 'mono clip store-audit-id' : undefined} title={r.sessionId ?? undefined}>
        {r.sessionId ?? (all ? `all live sessions of the user${r.count !== null ? ` (${r.count.toLocaleString('en-US')})` : ''}` : <span className="muted">—</span>)}
      </td>
      <td className="clip store-audit-id" title={r.email ? `${r.userId} (${r.email})` : r.userId}>
        <span className="mono">{r.userId}</span>
        {r.email ? <span className="store-audit-sub">{r.email}</span> : null}
      </td>
      <td className="clip store-audit-id" title={[r.revokedBy, r.operator ? `operator ${r.operator}` : null].filter(Boolean).join(', ') || undefined}>
        {byText(r)}
      </td>
      <td className="clip" title={r.reason ?? undefined}>
        {r.reason ?? <span className="muted">—</span>}
      </td>
      <td className="mono">{r.ipAddress ?? <span className="muted">—</span>}</td>
      <td className="clip store-audit-ua" title={r.userAgent ?? undefined}>
        {r.userAgent ?? <span className="muted">—</span>}
      </td>
    </tr>
  );
}

/** Who revoked, in words: the user themself, an app user (by id), or an operator named in details. */
function byText(r: StoreAuditRow) {
  const operator = r.operator !== null ? <span className="store-audit-sub">operator {r.operator}</span> : null;
  if (r.revokedBy !== null && r.revokedBy === r.userId) return <span>the user themself</span>;
  if (r.revokedBy !== null)
    return (
      <>
        <span className="mono">{r.revokedBy}</span>
        {operator}
      </>
    );
  if (r.operator !== null) return <span>operator {r.operator}</span>;
  return <span className="muted">—</span>;
}
