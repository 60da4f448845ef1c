import { useId, useState } from 'react';
import type { AttachedDeny } from '../../../../src-shared/iam-deny';
import { useAppInfo } from '../../api/use-app-info';
import { exactMillisLabel } from '../../ui/format-time';
import { ModalDialog } from '../../ui/modal-dialog';
import { useAttachedDenies, useRemoveDeny } from './use-iam-deny';
import './iam.css';

interface Target {
  role: string;
  policy: AttachedDeny;
}

/**
 * On the Audit screen of a Sentinel connection: the deny policies we put that are still attached
 * to its mapped roles, with when each may go. Remove once every covered credential has expired;
 * earlier only with an explicit override (covered credentials work again). Both ledgered.
 */
export function IamCleanupPanel() {
  const info = useAppInfo().data;
  const connection = info?.connection;
  const offered = connection?.capabilities.residual === 'credential-lifetime';
  const list = useAttachedDenies(offered);
  const remove = useRemoveDeny();
  const [target, setTarget] = useState<Target | null>(null);
  const id = useId();
  if (!offered || !connection) return null;
  const data = list.data;
  const attached = data?.roles.flatMap((r) => r.policies.map((policy) => ({ role: r.role, policy }))) ?? [];
  const problems = data?.roles.filter((r) => r.problem) ?? [];
  const removable = attached.filter((a) => a.policy.removableNow).length;
  const state = list.isPending ? 'loading' : list.isError ? 'error' : !data?.mappingConfigured ? 'unmapped' : attached.length === 0 ? 'none' : removable > 0 ? 'removable' : 'attached';
  return (
    <section className={`pending-writes iam-cleanup iam-cleanup-${state}`} aria-labelledby={`${id}-title`} data-testid="iam-cleanup" data-state={state}>
      <div className="pending-writes-head">
        <h2 id={`${id}-title`}>Deny policies in IAM</h2>
        {data && data.mappingConfigured ? (
          <span className="pending-writes-summary" role="status">
            {attached.length === 0
              ? 'none attached'
              : `${attached.length} attached${removable > 0 ? `, ${removable} removable now` : ''}`}{' '}
            · <time dateTime={data.checkedAt}>{data.checkedAt.slice(11, 16)} UTC</time>
          </span>
        ) : null}
        <button type="button" className="small-button" onClick={() => void list.refetch()} disabled={list.isFetching}>
          {list.isFetching ? 'Reading…' : 'Read again'}
        </button>
      </div>
      {state === 'error' ? (
        <p className="error-text small" role="alert">
          Could not list them: {list.error?.message}
        </p>
      ) : null}
      {state === 'unmapped' ? (
        <p className="muted small">No IAM role is mapped on this connection (Connections → IAM roles): Session Warden does not know which roles to look at.</p>
      ) : null}
      {state === 'none' ? <p className="muted small">No session-warden-deny-* policy is attached to {data?.roles.map((r) => r.role).join(', ')}.</p> : null}
      {problems.map((r) => (
        <p key={r.role} className="error-text small" role="alert">
          Role {r.role}: {r.problem}
        </p>
      ))}
      {attached.length > 0 ? (
        <table className="audit-table pending-writes-table iam-cleanup-table" aria-label="Deny policies still attached" data-testid="iam-attached">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Policy</th>
              <th scope="col">Denies</th>
              <th scope="col">Removable after</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {attached.map(({ role, policy }) => (
              <tr key={`${role}/${policy.name}`} data-testid="iam-attached-row" data-removable={policy.removableNow}>
                <td className="mono">{role}</td>
                <td className="mono">{policy.name}</td>
                <td>{covers(policy)}</td>
                <td>
                  {policy.removableAfter === null ? (
                    <span className="muted">not stated</span>
                  ) : (
                    <>
                      {exactMillisLabel(Date.parse(policy.removableAfter))}
                      {policy.removableNow ? <span className="coverage-good"> · every covered credential has expired</span> : null}
                    </>
                  )}
                </td>
                <td>
                  {connection.readOnly ? null : policy.removableNow ? (
                    <button type="button" className="small-button" onClick={() => setTarget({ role, policy })}>
                      Remove
                    </button>
                  ) : (
                    <button type="button" className="small-button" onClick={() => setTarget({ role, policy })}>
                      Remove early…
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {remove.data ? (
        <p className={remove.data.removed ? 'coverage-good small' : 'error-text small'} role={remove.data.removed ? 'status' : 'alert'} data-testid="iam-remove-outcome">
          {remove.data.removed
            ? `Removed ${remove.data.name} from role ${remove.data.role}${remove.data.forced ? ' early (override)' : ''}; recorded in the ledger.`
            : `Not removed: ${remove.data.problem ?? ''}`}
        </p>
      ) : null}
      {remove.isError ? (
        <p className="error-text small" role="alert">
          Not removed: {remove.error.message}
        </p>
      ) : null}
      <RemoveDialog
        key={target ? `${target.role}/${target.policy.name}` : 'none'}
        target={target}
        busy={remove.isPending}
        onCancel={() => setTarget(null)}
        onConfirm={(override) => {
          if (!target) return;
          remove.mutate({ role: target.role, name: target.policy.name, override, connection: { id: connection.id, nonce: connection.nonce } }, { onSettled: () => setTarget(null) });
        }}
      />
    </section>
  );
}

function covers(policy: AttachedDeny): string {
  const n = policy.covers.length;
  if (policy.form === 'precise') return `${n} ${n === 1 ? 'session' : 'sessions'} by id`;
  if (policy.form === 'source-identity') return `source identities: ${policy.covers.slice(0, 2).join(', ')}${n > 2 ? ` and ${n - 2} more` : ''}`;
  if (policy.form === 'whole-role') return `the whole role: ${policy.covers[0] ?? ''}`;
  return 'not readable as ours';
}

function RemoveDialog({ target, busy, onCancel, onConfirm }: { target: Target | null; busy: boolean; onCancel: () => void; onConfirm: (override: boolean) => void }) {
  const titleId = useId();
  const [understood, setUnderstood] = useState(false);
  const early = target !== null && !target.policy.removableNow;
  return (
    <ModalDialog open={target !== null} onClose={onCancel} busy={busy} labelledBy={titleId} testId="iam-remove-dialog">
      {target ? (
        <>
          <h2 id={titleId} className="dialog-title">
            Remove {target.policy.name}?
          </h2>
          <p className="dialog-summary">
            Session Warden deletes this inline policy from role <span className="mono">{target.role}</span> (iam:DeleteRolePolicy) and records the removal in the ledger.
          </p>
          {early ? (
            <label className="deny-check deny-warning">
              <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
              <span>
                Credentials it covers may be valid until{' '}
                {target.policy.removableAfter ? exactMillisLabel(Date.parse(target.policy.removableAfter)) : 'a time the policy does not state'}: removing it now lets them work
                again. Remove it anyway.
              </span>
            </label>
          ) : (
            <p className="muted small">Every credential it covers has expired: it denies nothing any more.</p>
          )}
          <div className="dialog-actions">
            <button type="button" className="secondary-button" onClick={onCancel} disabled={busy}>
              Cancel
            </button>
            <button type="button" className="danger-button" onClick={() => onConfirm(early)} disabled={busy || (early && !understood)}>
              {busy ? 'Removing…' : early ? 'Remove early' : 'Remove'}
            </button>
          </div>
        </>
      ) : null}
    </ModalDialog>
  );
}
