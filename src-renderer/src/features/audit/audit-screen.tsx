import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef } from 'react';
import type { AuditRow, LedgerComposition, LedgerCoverage, LedgerFilter, LedgerListResponse } from '../../../../src-shared/audit';
import type { TeamVerify } from '../../../../src-shared/team-ledger';
import { explainComposition } from '../../../../src-shared/audit-words';
import { OUTCOMES, REASON_CODES, REASON_LABELS } from '../../../../src-shared/reason-codes';
import { wardenClient } from '../../api/warden-client';
import { ExportControl } from '../export/export-control';
import { chipsOf, ledgerFilterOf, shortDevice, useAuditFilters, type AuditFilters } from './audit-filters';
import { AuditTable, PAGE } from './audit-table';
import { PendingBlacklistWrites } from './pending-blacklist-writes';
import { BlacklistCoveragePanel } from './blacklist-coverage';
import { CanaryPanel } from './canary-panel';
import { IamCleanupPanel } from '../iam/iam-cleanup-panel';
import { StoreAuditLog } from './store-audit-log';
import { TeamLedgerDelivery, TeamVerification } from './team-ledger-banner';

/** `ledger:list` with its whole answer (the rows, and the ledger's make-up and facets). */
const listLedger = (request: LedgerFilter & { limit: number; offset: number }): Promise<LedgerListResponse> => wardenClient.ledger.list(request);

const OUTCOME_CHOICES: AuditRow['outcome'][] = [...OUTCOMES, 'interrupted'];

/** The ledger as a filterable table, with its verification state and pending blacklist writes above it, and exports. */
export function AuditScreen() {
  const id = useId();
  const filters = useAuditFilters();
  const searchRef = useRef<HTMLInputElement>(null);
  const chipList = useRef<HTMLUListElement>(null);
  const filter = ledgerFilterOf(filters);
  const request = { ...filter, limit: PAGE, offset: filters.offset };
  const rows = useQuery({ queryKey: ['ledger', 'list', request], queryFn: () => listLedger(request), placeholderData: keepPreviousData, refetchInterval: 15_000 });
  const verify = useQuery({ queryKey: ['ledger', 'verify'], queryFn: () => wardenClient.ledger.verify(), refetchInterval: 60_000 });
  const data = rows.data;
  const total = data?.total ?? 0;
  const inLedger = data?.ledger.revocations ?? 0;
  const coverage = data?.coverage;
  const chips = chipsOf(filters);
  const filtered = Object.keys(filter).length > 0;
  const state = rows.isPending ? 'loading' : rows.isError && !data ? 'error' : total === 0 ? 'empty' : 'ready';

  // The table saw a ledger of another length than the last verification (a revocation since):
  // verify again now, once per change, rather than explain one count with the other.
  const rechecked = useRef('');
  // A team ledger: its length when the table read it, against the length the verification saw.
  const seen = coverage ? coverage.chainEntries : data?.ledger.entries;
  const verified = verify.data?.team ? verify.data.team.entries : verify.data?.verifiedEntries;
  useEffect(() => {
    if (seen === undefined || verified === undefined || seen === verified || verify.isFetching) return;
    const pair = `${seen}:${verified}`;
    if (rechecked.current === pair) return;
    rechecked.current = pair;
    void verify.refetch();
  }, [seen, verified, verify]);

  // Removing a chip unmounts its button: focus goes to the next chip, or back to the search field.
  const remove = (index: number, key: keyof AuditFilters) => {
    filters.set({ [key]: '' });
    requestAnimationFrame(() => {
      const buttons = chipList.current?.querySelectorAll('button');
      const next = buttons && buttons.length > 0 ? buttons[Math.min(index, buttons.length - 1)] : null;
      (next ?? searchRef.current)?.focus();
    });
  };
  const clearAll = () => {
    filters.clearAll();
    searchRef.current?.focus();
  };

  return (
    <section className="screen audit" aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Audit</h1>
        <ExportControl target={{ kind: 'ledger', filter }} label={filtered ? 'Export the filtered ledger' : 'Export the ledger'} />
      </header>
      {verify.data?.team ? <TeamVerification team={verify.data.team} /> : null}
      <VerificationBanner verify={verify} composition={coverage ? undefined : data?.ledger} />
      <TeamLedgerDelivery />
      <PendingBlacklistWrites />
      <BlacklistCoveragePanel />
      <CanaryPanel />
      <IamCleanupPanel />
      <div className="filter-bar" role="search" aria-label="Ledger filters">
        <div className="filter-row">
          <div className="field search">
            <label htmlFor={`${id}-text`}>Search operator, user, session, ticket, note</label>
            <input id={`${id}-text`} ref={searchRef} type="search" value={filters.text} onChange={(e) => filters.set({ text: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-reason`}>Reason</label>
            <select id={`${id}-reason`} value={filters.reasonCode} onChange={(e) => filters.set({ reasonCode: e.target.value as AuditFilters['reasonCode'] })}>
              <option value="">Any</option>
              {REASON_CODES.map((r) => (
                <option key={r} value={r}>
                  {REASON_LABELS[r]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-outcome`}>Outcome</label>
            <select id={`${id}-outcome`} value={filters.outcome} onChange={(e) => filters.set({ outcome: e.target.value as AuditFilters['outcome'] })}>
              <option value="">Any</option>
              {OUTCOME_CHOICES.map((o) => (
                <option key={o} value={o}>
                  {o.replace('_', ' ')}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="filter-row">
          <FacetSelect id={`${id}-operator`} label="Operator" value={filters.operator} facets={data?.facets.operators} onChange={(operator) => filters.set({ operator })} />
          <FacetSelect id={`${id}-connection`} label="Connection" value={filters.connection} facets={data?.facets.connections} onChange={(connection) => filters.set({ connection })} />
          {data?.facets.devices ? (
            <FacetSelect
              id={`${id}-device`}
              label="Desk"
              value={filters.device}
              facets={data.facets.devices}
              onChange={(device) => filters.set({ device })}
              nameOf={(device) => `${shortDevice(device)}${device === coverage?.thisDevice ? ' (this desk)' : ''}`}
            />
          ) : null}
          <div className="field">
            <label htmlFor={`${id}-since`}>From (UTC)</label>
            <input id={`${id}-since`} type="datetime-local" value={filters.since} max={filters.until || undefined} onChange={(e) => filters.set({ since: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-until`}>To (UTC)</label>
            <input id={`${id}-until`} type="datetime-local" value={filters.until} min={filters.since || undefined} onChange={(e) => filters.set({ until: e.target.value })} />
          </div>
        </div>
        <div className="filter-row secondary">
          <ul className="chips" aria-label="Active filters" ref={chipList}>
            {chips.map((chip, i) => (
              <li key={chip.key}>
                <span className="chip">
                  {chip.label}
                  <button type="button" aria-label={`Remove filter ${chip.label}`} onClick={() => remove(i, chip.key)}>
                    ×
                  </button>
                </span>
              </li>
            ))}
          </ul>
          {chips.length > 0 ? (
            <button type="button" className="link-button" onClick={clearAll}>
              Clear all filters
            </button>
          ) : null}
          <p className="count" role="status" data-testid="audit-count">
            {data && inLedger > 0 ? countText(total, inLedger, filtered, coverage) : ''}
          </p>
        </div>
      </div>
      <div className="screen-body" data-testid="audit" data-state={state}>
        {state === 'loading' ? <p className="placeholder" role="status">Reading the ledger…</p> : null}
        {state === 'error' ? (
          <p className="placeholder error" role="alert">
            The ledger could not be read: {rows.error?.message}
          </p>
        ) : null}
        {coverage && !coverage.complete ? (
          <p className="muted small" data-testid="audit-coverage">
            Read from the {coverage.label}, newest first: the newest {coverage.read.toLocaleString('en-US')} of its {coverage.chainEntries.toLocaleString('en-US')} entries. Counts and
            filter choices cover those; set a From time to count a whole period.
          </p>
        ) : null}
        {state === 'empty' && inLedger === 0 && coverage ? (
          <p className="placeholder">
            {coverage.chainEntries === 0
              ? `No revocations on the ${coverage.label} yet. Every desk's revocations (Sessions, Offboarding, the command line) appear here once delivered to it.`
              : `No revocations in the newest ${coverage.read.toLocaleString('en-US')} entries of the ${coverage.label}.`}
          </p>
        ) : null}
        {state === 'empty' && inLedger === 0 && !coverage ? (
          <p className="placeholder">
            Revocations made with Session Warden on this computer (Sessions, Offboarding, the command line) appear here, each recorded in the hash-chained ledger before it is reported
            done.
          </p>
        ) : null}
        {state === 'empty' && inLedger > 0 ? (
          <div className="placeholder">
            <p>
              No revocations match these filters ({inLedger.toLocaleString('en-US')} in the {coverage ? (coverage.complete ? 'team ledger entries read' : `newest ${coverage.read.toLocaleString('en-US')} team ledger entries`) : 'ledger'}).
            </p>
            <button type="button" onClick={clearAll}>
              Clear all filters
            </button>
          </div>
        ) : null}
        {state === 'ready' && data ? <AuditTable rows={data.rows} offset={filters.offset} total={total} setOffset={filters.setOffset} coverage={coverage} /> : null}
      </div>
      <StoreAuditLog />
    </section>
  );
}

function countText(shown: number, inLedger: number, filtered: boolean, coverage: LedgerCoverage | undefined): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (coverage && !coverage.complete) {
    // Only the newest entries were read: what is counted is a lower bound.
    const counted = `at least ${n(shown)} revocation${shown === 1 ? '' : 's'}`;
    return filtered ? `${counted} match (of ${n(inLedger)} in the newest ${n(coverage.read)} team ledger entries)` : `${counted} in the team ledger`;
  }
  if (!filtered) return `${n(shown)} revocation${shown === 1 ? '' : 's'} shown`;
  return `${n(shown)} of ${n(inLedger)} revocation${inLedger === 1 ? '' : 's'} shown`;
}

/** A select of the values the ledger holds (with their rows); a chosen value the ledger no longer holds stays choosable. */
function FacetSelect({
  id,
  label,
  value,
  facets,
  onChange,
  nameOf = (name) => name,
}: {
  id: string;
  label: string;
  value: string;
  facets: LedgerListResponse['facets']['operators'] | undefined;
  onChange: (v: string) => void;
  nameOf?: (name: string) => string;
}) {
  const options = facets ?? [];
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any</option>
        {value && !options.some((o) => o.name === value) ? <option value={value}>{nameOf(value)}</option> : null}
        {options.map((o) => (
          <option key={o.name} value={o.name}>
            {nameOf(o.name)} ({o.count.toLocaleString('en-US')})
          </option>
        ))}
      </select>
    </div>
  );
}

type VerifyReport = { ok: boolean; verifiedEntries: number; brokenAt?: number | undefined; reason?: string | undefined; team?: TeamVerify | undefined };

/**
 * The chain's state, in the table's units: entries verified, and the revocations they make up.
 * An empty (or absent) ledger verified nothing: it is said plainly, never shown as a green check.
 */
function VerificationBanner({ verify, composition }: { verify: ReturnType<typeof useQuery<VerifyReport>>; composition: LedgerComposition | undefined }) {
  if (verify.isPending) return <p className="verify-banner" role="status">Verifying the ledger's hash chain…</p>;
  if (verify.isError) return <p className="verify-banner broken" role="alert">The ledger could not be verified: {verify.error.message}</p>;
  const report = verify.data;
  // With a team ledger this is the desk's own copy; `ok` covers both, a break of the desk's copy alone has its position.
  const ledger = report.team ? "This desk's ledger (its write-ahead copy)" : 'Ledger';
  const ok = report.team ? report.brokenAt === undefined : report.ok;
  if (ok && report.verifiedEntries === 0) {
    return (
      <p className="verify-banner" role="status" data-testid="verify-banner">
        No revocations recorded yet on this desk.
      </p>
    );
  }
  if (ok) {
    const n = report.verifiedEntries.toLocaleString('en-US');
    // The table's rows are read a moment apart from the verification: explain them only when both saw the same ledger.
    const explained = composition && composition.entries === report.verifiedEntries ? ` — ${explainComposition(composition)}` : '';
    return (
      <p className="verify-banner ok" role="status" data-testid="verify-banner">
        <span aria-hidden="true">✓</span> {ledger} verified: all {n} entries intact, hash chain and head checkpoint match{explained}.
      </p>
    );
  }
  return (
    <p className="verify-banner broken" role="alert" data-testid="verify-banner">
      <span aria-hidden="true">✗</span> {ledger} BROKEN at entry {report.brokenAt}: {report.reason}. Verified up to entry {report.verifiedEntries}; do not rely on later entries.
    </p>
  );
}
