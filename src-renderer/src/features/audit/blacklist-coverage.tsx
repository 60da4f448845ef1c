import { useId, useState } from 'react';
import type { BlacklistCoverage, BlacklistRepair, CoverageGapView } from '../../../../src-shared/blacklist-coverage';
import { useAppInfo } from '../../api/use-app-info';
import { exactMillisLabel } from '../../ui/format-time';
import { ModalDialog } from '../../ui/modal-dialog';
import { useCoverageCheck, useCoverageRepair } from './use-blacklist-coverage';
import './blacklist-coverage.css';

/**
 * Blacklist coverage on the Audit screen, for a connection that mirrors its revocations to a
 * blacklist Redis: the revoked sessions still alive that enforcement points would not refuse for
 * their whole life (`revoked:<id>` missing, or expiring first), and a confirmed, ledgered repair.
 * The same check and repair as `session-warden blacklist check [--repair]`. Hidden for
 * connections without a blacklist; explained, without actions, on a read-only one.
 */
export function BlacklistCoveragePanel() {
  const info = useAppInfo().data;
  const connection = info?.connection;
  if (!connection?.blacklist) return null;
  // A new opening of the connection (a switch) starts from "not checked".
  return <CoveragePanel key={`${connection.id}:${connection.nonce}`} connection={connection} operator={info?.operator ?? ''} />;
}

interface PanelConnection {
  id: string;
  nonce: string;
  name: string;
  readOnly: boolean;
}

function CoveragePanel({ connection, operator }: { connection: PanelConnection; operator: string }) {
  const id = useId();
  const check = useCoverageCheck();
  const repair = useCoverageRepair();
  const [confirming, setConfirming] = useState(false);
  const report = check.data;
  const repaired = repair.data;
  // After a repair, its answer is the latest check (main checked again before writing).
  const shown: BlacklistCoverage | undefined = repaired ?? report;
  const state = connection.readOnly
    ? 'read-only'
    : check.isPending
      ? 'checking'
      : check.isError
        ? 'error'
        : !shown
          ? 'unchecked'
          : shown.gaps.length === 0
            ? 'covered'
            : repaired
              ? 'repaired'
              : 'gaps';
  const fate = new Map((repaired?.repaired ?? []).map((r) => [r.id, r]));
  const runCheck = () => {
    repair.reset();
    check.mutate();
  };

  return (
    <section className={`pending-writes coverage coverage-${state}`} aria-labelledby={`${id}-title`} data-testid="blacklist-coverage" data-state={state}>
      <div className="pending-writes-head">
        <h2 id={`${id}-title`}>Blacklist coverage</h2>
        {shown ? <CoverageHeadline report={shown} repair={repaired} /> : null}
        {state !== 'read-only' ? (
          <button type="button" className="small-button" onClick={runCheck} disabled={check.isPending || repair.isPending}>
            {check.isPending ? 'Checking…' : shown ? 'Check again' : 'Check now'}
          </button>
        ) : null}
        {state === 'gaps' && report ? (
          <button type="button" className="danger-button coverage-repair" onClick={() => setConfirming(true)} disabled={repair.isPending}>
            Repair {count(report.gaps.length, 'gap', 'gaps')}
          </button>
        ) : null}
      </div>
      {state === 'read-only' ? (
        <p className="muted small" data-testid="coverage-read-only">
          This connection is read-only (auditor mode): its blacklist Redis is not opened here, so coverage is neither checked nor repaired from this desk. A desk that may
          revoke on &quot;{connection.name}&quot; can check it, or run <code>session-warden blacklist check</code>.
        </p>
      ) : null}
      {state === 'unchecked' ? (
        <p className="muted small">
          Not checked since this connection was opened. A check looks up <code>revoked:&lt;id&gt;</code> for every revoked session the store still holds alive: a key lost in a
          Redis failover, or one that expires before its session, lets enforcement points accept a revoked session.
        </p>
      ) : null}
      {state === 'checking' ? <p className="muted small" role="status">Reading the revoked sessions and their blacklist keys…</p> : null}
      {state === 'error' ? (
        <p className="error-text small" role="alert">
          The check did not run: {check.error?.message} Nothing was changed.
        </p>
      ) : null}
      {repair.isError ? (
        <p className="error-text small" role="alert">
          The repair did not run: {repair.error.message} Check again to see what is still missing.
        </p>
      ) : null}
      {shown && shown.gaps.length > 0 && (state === 'gaps' || state === 'repaired') ? (
        <>
          <p className="muted small">
            {state === 'gaps'
              ? 'These sessions are revoked in the store, but enforcement points that only check the blacklist would accept them while their key is missing or after it expires.'
              : `Repaired as one run in the ledger, recorded as ${operator}.`}
          </p>
          <GapTable gaps={shown.gaps} fate={state === 'repaired' ? fate : null} />
          {repaired && repaired.alreadyCovered.length > 0 ? (
            <p className="muted small">{count(repaired.alreadyCovered.length, 'confirmed gap was', 'confirmed gaps were')} covered again by the time of the repair: nothing written for them.</p>
          ) : null}
        </>
      ) : null}
      <RepairDialog
        open={confirming && report !== undefined}
        gaps={report?.gaps ?? []}
        target={report?.target ?? ''}
        connectionName={connection.name}
        operator={operator}
        busy={repair.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          if (!report) return;
          repair.mutate({ ids: report.gaps.map((g) => g.id), connection: { id: connection.id, nonce: connection.nonce } }, { onSettled: () => setConfirming(false) });
        }}
      />
    </section>
  );
}

function CoverageHeadline({ report, repair }: { report: BlacklistCoverage; repair: BlacklistRepair | undefined }) {
  const when = (
    <time dateTime={report.checkedAt} title={exactMillisLabel(Date.parse(report.checkedAt))}>
      {report.checkedAt.slice(11, 16)} UTC
    </time>
  );
  if (repair && repair.repaired.length > 0) {
    const written = repair.repaired.filter((r) => r.blacklist === 'written').length;
    const left = repair.repaired.length - written;
    return (
      <span className={`pending-writes-summary ${left > 0 ? 'coverage-bad' : 'coverage-good'}`} role="status" data-testid="coverage-summary">
        <span aria-hidden="true">{left > 0 ? '⚠ ' : '✓ '}</span>
        {left > 0 ? `${count(written, 'gap', 'gaps')} repaired, ${left} not yet (see Outcome)` : `${count(written, 'gap', 'gaps')} repaired`} · {when}
      </span>
    );
  }
  if (report.gaps.length === 0) {
    return (
      <span className="pending-writes-summary coverage-good" role="status" data-testid="coverage-summary">
        <span aria-hidden="true">✓ </span>
        The blacklist covers all {count(report.checked, 'revoked session', 'revoked sessions')} still alive · {when}
      </span>
    );
  }
  return (
    <span className="pending-writes-summary coverage-bad" role="status" data-testid="coverage-summary">
      <span aria-hidden="true">✗ </span>
      {count(report.gaps.length, 'gap', 'gaps')} among {count(report.checked, 'revoked session', 'revoked sessions')} still alive · {when}
    </span>
  );
}

function GapTable({ gaps, fate }: { gaps: CoverageGapView[]; fate: Map<string, BlacklistRepair['repaired'][number]> | null }) {
  return (
    <table className="audit-table pending-writes-table coverage-table" aria-label="Revoked sessions the blacklist does not cover" data-testid="coverage-gaps">
      <thead>
        <tr>
          <th scope="col">Session</th>
          <th scope="col">User</th>
          <th scope="col">Problem</th>
          <th scope="col" className="num">
            Key lasts
          </th>
          <th scope="col" className="num">
            Session lasts
          </th>
          <th scope="col">Session ends</th>
          {fate ? <th scope="col">Outcome</th> : null}
        </tr>
      </thead>
      <tbody>
        {gaps.map((g) => {
          const outcome = fate?.get(g.id);
          return (
            <tr key={g.id} data-testid="coverage-gap" data-problem={g.problem}>
              <td className="mono">{g.id}</td>
              <td className="clip" title={g.user}>
                {g.user}
              </td>
              <td>{g.problem === 'missing' ? 'key missing' : 'key expires first'}</td>
              <td className="num">{g.ttlSeconds === null ? <span className="muted">none</span> : duration(g.ttlSeconds)}</td>
              <td className="num">{duration(g.neededSeconds)}</td>
              <td>
                <time dateTime={g.expiresAt} title={g.expiresAt}>
                  {g.expiresAt.slice(0, 16).replace('T', ' ')} UTC
                </time>
              </td>
              {fate ? (
                <td data-testid="coverage-outcome" data-outcome={outcome?.blacklist ?? 'none'}>
                  {outcome ? <RepairOutcome outcome={outcome} /> : <span className="muted">covered again: not written</span>}
                </td>
              ) : null}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function RepairOutcome({ outcome }: { outcome: BlacklistRepair['repaired'][number] }) {
  if (outcome.blacklist === 'written') {
    return (
      <span className="coverage-good">
        <span aria-hidden="true">✓ </span>key written
      </span>
    );
  }
  if (outcome.blacklist === 'pending') {
    return (
      <span className="coverage-bad">
        <span aria-hidden="true">⚠ </span>pending: kept and retried (see Pending blacklist writes)
      </span>
    );
  }
  return (
    <span className="error-text">
      <span aria-hidden="true">✗ </span>failed{outcome.error ? `: ${outcome.error}` : ''}
    </span>
  );
}

function RepairDialog(props: {
  open: boolean;
  gaps: CoverageGapView[];
  target: string;
  connectionName: string;
  operator: string;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const titleId = useId();
  const n = props.gaps.length;
  const missing = props.gaps.filter((g) => g.problem === 'missing').length;
  return (
    <ModalDialog open={props.open} onClose={props.onCancel} busy={props.busy} labelledBy={titleId} testId="coverage-repair-dialog">
      <h2 id={titleId} className="dialog-title">
        Repair {count(n, 'blacklist gap', 'blacklist gaps')}?
      </h2>
      <p className="dialog-summary">
        Session Warden writes <code>revoked:&lt;id&gt;</code> again in <span className="mono">{props.target}</span> for {count(n, 'session', 'sessions')} of &quot;{props.connectionName}&quot;
        ({[missing > 0 ? `${missing} missing` : '', n - missing > 0 ? `${n - missing} expiring too early` : ''].filter(Boolean).join(', ')}), each to last the session&apos;s remaining life and at
        least an hour. A longer key is never shortened.
      </p>
      <p className="muted small">
        Main checks again first and writes only what is still a gap. The repair is recorded in the ledger as one run under {props.operator}; the sessions themselves are not
        touched.
      </p>
      <div className="dialog-actions">
        <button type="button" className="secondary-button" onClick={props.onCancel} disabled={props.busy}>
          Cancel
        </button>
        <button type="button" className="danger-button" onClick={props.onConfirm} disabled={props.busy}>
          {props.busy ? 'Repairing…' : `Repair ${count(n, 'gap', 'gaps')}`}
        </button>
      </div>
    </ModalDialog>
  );
}

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** 7 h 58 min, 12 min, 45 s: how long a key or a session has left. */
function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
