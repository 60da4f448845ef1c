import type { Connection } from '../../../../src-shared/connections';
import type { ResponseOf } from '../../../../src-shared/contract';
import { useInitLedger } from './use-init-ledger';

type LedgerInit = ResponseOf<'connections:initLedger'>;

interface TeamLedgerControlProps {
  /** Prefix for the ids of this control's fields (the editor's `useId`). */
  idPrefix: string;
  kind: 'dynamodb' | 'redis';
  enabled: boolean;
  /** The table name (DynamoDB) or stream key (Redis) as shown in the field. */
  name: string;
  onEnabled: (enabled: boolean) => void;
  onName: (name: string) => void;
  /** The connection as saved, when editing one: what "Create ledger table" acts on. */
  saved: Connection | null;
  /** The editor holds changes to the store or its secret that are not saved yet. */
  unsaved: boolean;
}

/**
 * "Keep a team ledger": the table (DynamoDB) or stream (Redis) every operator's revocations are
 * chained into, and for a saved DynamoDB connection the button that creates that table.
 */
export function TeamLedgerControl({ idPrefix, kind, enabled, name, onEnabled, onName, saved, unsaved }: TeamLedgerControlProps) {
  const nameId = `${idPrefix}-team-ledger-name`;
  const helpId = `${idPrefix}-team-ledger-help`;
  return (
    <fieldset className="form-group" data-testid="team-ledger">
      <legend>Team ledger</legend>
      <label className="checkbox-field">
        <input type="checkbox" checked={enabled} onChange={(e) => onEnabled(e.target.checked)} aria-describedby={helpId} /> Keep a team ledger (every operator&apos;s revocations in one chained table)
      </label>
      <span id={helpId} className="small muted">
        {kind === 'dynamodb'
          ? 'Each desk still writes its own ledger first; entries reach the shared table in the background, and every app verifies the chain.'
          : 'A Redis stream on this server: created by the first revocation written to it. The connection test says whether the server keeps it across a restart.'}
      </span>
      {enabled ? (
        <label className="form-field" htmlFor={nameId}>
          <span>{kind === 'dynamodb' ? 'Ledger table' : 'Stream key'}</span>
          <input id={nameId} value={name} onChange={(e) => onName(e.target.value)} spellCheck={false} autoComplete="off" className="mono" />
        </label>
      ) : null}
      {kind === 'dynamodb' && enabled && saved?.store.kind === 'dynamodb' ? <CreateLedgerTable idPrefix={idPrefix} saved={saved} unsaved={unsaved || saved.store.teamLedger !== name.trim()} /> : null}
    </fieldset>
  );
}

function CreateLedgerTable({ idPrefix, saved, unsaved }: { idPrefix: string; saved: Connection; unsaved: boolean }) {
  const init = useInitLedger();
  const whyId = `${idPrefix}-create-ledger-why`;
  const table = saved.store.kind === 'dynamodb' ? saved.store.teamLedger : undefined;
  // Main creates the table from the saved connection; the button never acts on an unsaved draft.
  const why = saved.readOnly ? (
    <>
      Read-only connections never write: create the table with an operator&apos;s connection, or with <span className="mono">session-warden ledger init</span>.
    </>
  ) : unsaved || !table ? (
    'Save the connection first: the table is created with its saved settings and credentials.'
  ) : null;
  return (
    <div className="row wrap">
      <button type="button" className="secondary-button" disabled={why !== null || init.isPending} aria-describedby={why ? whyId : undefined} onClick={() => init.mutate(saved.id)}>
        {init.isPending ? 'Creating the ledger table…' : 'Create ledger table'}
      </button>
      {why ? (
        <span id={whyId} className="small muted">
          {why}
        </span>
      ) : null}
      {init.isError ? (
        <p role="alert" className="error-text small" data-testid="ledger-init-result">
          Not created: {init.error.message}
        </p>
      ) : null}
      {init.data && table ? <LedgerInitOutcome table={table} outcome={init.data} /> : null}
    </div>
  );
}

/** What "Create ledger table" did, in words (the glyph repeats the state; colour is not the only signal). */
function LedgerInitOutcome({ table, outcome }: { table: string; outcome: LedgerInit }) {
  const what = outcome.created ? `Created ${table}` : `${table} already exists`;
  if (outcome.pointInTimeRecovery === 'enabled') {
    return (
      <p role="status" className="small check-ok" data-testid="ledger-init-result" data-state="ok">
        <span aria-hidden="true">✓</span> {outcome.created ? `${what} with point-in-time recovery.` : `${what}; point-in-time recovery is on.`}
      </p>
    );
  }
  return (
    <p role="status" className="small check-warning" data-testid="ledger-init-result" data-state="warning">
      <span aria-hidden="true">!</span> {what}, but point-in-time recovery could not be turned on{outcome.detail ? ` (${outcome.detail.replace(/\.$/, '')})` : ''}: without it an overwritten or deleted
      entry cannot be recovered. Turn it on for the table (AWS console, or <span className="mono">aws dynamodb update-continuous-backups</span>).
    </p>
  );
}
