import { useEffect, useId, useRef, useState } from 'react';
import type { BlastRadius, IamApplyResult, IamPlan, RolePlan } from '../../../../src-shared/iam-deny';
import { useAppInfo } from '../../api/use-app-info';
import { exactMillisLabel } from '../../ui/format-time';
import { ModalDialog } from '../../ui/modal-dialog';
import { useApplyDeny, useDenyPlan } from './use-iam-deny';
import './iam.css';

interface DenyDialogProps {
  open: boolean;
  onClose: () => void;
  /** The revoked Sentinel sessions whose already-issued credentials to deny. */
  ids: string[];
  /** Names the policy (the run's ticket or incident); else main names it by the time. */
  incident?: string | undefined;
}

const FORM_WORDS: Record<string, string> = {
  precise: 'precise: the sessions’ SentinelSessionID tag',
  'source-identity': 'source identity (the ids did not fit)',
  'whole-role': 'whole role: every credential issued before the plan',
};

/**
 * "Also deny credentials already issued…": per role (from the connection's profile → role
 * mapping), the exact inline policy, its blast radius (precise by default, or the whole role), and
 * a consent proportional to it: a click for the precise form, an extra acceptance where it was
 * widened to users' live sessions, the role's name typed for the whole role. Main puts exactly the
 * document shown (its sha256) or nothing.
 */
export function DenyDialog({ open, onClose, ids, incident }: DenyDialogProps) {
  const titleId = useId();
  const [blast, setBlast] = useState<BlastRadius>('precise');
  const plan = useDenyPlan({ ids, blast, incident }, open);
  const [busy, setBusy] = useState(false);
  const n = ids.length;
  return (
    <ModalDialog open={open} onClose={onClose} busy={busy} labelledBy={titleId} testId="deny-dialog">
      <h2 id={titleId} className="dialog-title">
        Deny credentials already issued to {n === 1 ? 'this revoked session' : `${n} revoked sessions`}
      </h2>
      <p className="dialog-summary">
        Revoking stopped the next credential fetch, but AWS credentials fetched before it stay valid up to 15 minutes. An inline deny policy on the role they were vended
        for makes IAM refuse them now.
      </p>
      <fieldset className="deny-blast" disabled={busy}>
        <legend>Blast radius</legend>
        <label>
          <input type="radio" name={`${titleId}-blast`} value="precise" checked={blast === 'precise'} onChange={() => setBlast('precise')} />
          <span>
            <strong>Precise</strong> (recommended): only these sessions’ credentials, by their <code>SentinelSessionID</code> tag. Nobody else is touched.
          </span>
        </label>
        <label>
          <input type="radio" name={`${titleId}-blast`} value="whole-role" checked={blast === 'whole-role'} onChange={() => setBlast('whole-role')} />
          <span>
            <strong>Whole role</strong>: every credential for the role issued before now, whoever holds it (AWS’s own “revoke active sessions”). Everyone using the role must
            fetch new credentials.
          </span>
        </label>
      </fieldset>
      <div className="deny-plan" data-testid="deny-plan" data-state={plan.isPending ? 'loading' : plan.isError ? 'error' : 'ready'} aria-live="polite">
        {plan.isPending ? <p className="muted">Reading the sessions and the roles’ inline policies…</p> : null}
        {plan.isError ? (
          <p className="error-text" role="alert">
            No plan: {plan.error.message}
          </p>
        ) : null}
        {plan.data ? <PlanView plan={plan.data} ids={ids} incident={incident} onBusy={setBusy} /> : null}
      </div>
      <div className="dialog-actions">
        <button type="button" className="secondary-button" onClick={onClose} disabled={busy}>
          Close
        </button>
      </div>
    </ModalDialog>
  );
}

function PlanView({ plan, ids, incident, onBusy }: { plan: IamPlan; ids: string[]; incident?: string | undefined; onBusy: (busy: boolean) => void }) {
  const byProfile = new Map<string, number>();
  for (const u of plan.unmapped) byProfile.set(u.profile ?? '(no profile)', (byProfile.get(u.profile ?? '(no profile)') ?? 0) + 1);
  return (
    <>
      {!plan.mappingConfigured ? (
        <p className="deny-warning" role="note" data-testid="deny-no-mapping">
          <span aria-hidden="true">⚠ </span>
          This connection does not say which IAM role its Sentinel profiles’ credentials are vended for, so the role is unknown and nothing can be applied. Add the profile →
          role mapping under Connections (edit the connection, “IAM roles”).
        </p>
      ) : null}
      {plan.mappingConfigured && byProfile.size > 0 ? (
        <p className="deny-warning" role="note" data-testid="deny-unmapped">
          <span aria-hidden="true">⚠ </span>
          No role is known for {[...byProfile].map(([profile, count]) => `profile “${profile}” (${count} ${count === 1 ? 'session' : 'sessions'})`).join(', ')}: their credentials
          are not covered. Map the profile under Connections.
        </p>
      ) : null}
      {plan.skipped.length > 0 ? (
        <details className="deny-skipped">
          <summary>
            {plan.skipped.length} {plan.skipped.length === 1 ? 'session' : 'sessions'} left out
          </summary>
          <ul>
            {plan.skipped.map((s) => (
              <li key={s.id}>
                <span className="mono">{s.id}</span>: {s.why}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {plan.readOnly ? (
        <p className="muted small" data-testid="deny-read-only">
          This connection is read-only (auditor mode): the policy can be read and copied here, never applied. A desk that may revoke applies it, or run{' '}
          <code>session-warden iam deny --dry-run</code>.
        </p>
      ) : null}
      {plan.roles.map((role) => (
        <RoleSection key={`${role.role}:${plan.plannedAt}`} role={role} plan={plan} ids={ids} incident={incident} onBusy={onBusy} />
      ))}
    </>
  );
}

function RoleSection({ role, plan, ids, incident, onBusy }: { role: RolePlan; plan: IamPlan; ids: string[]; incident?: string | undefined; onBusy: (busy: boolean) => void }) {
  const id = useId();
  const connection = useAppInfo().data?.connection;
  const apply = useApplyDeny();
  const [typed, setTyped] = useState('');
  const [acceptWidened, setAcceptWidened] = useState(false);
  const [copied, setCopied] = useState(false);
  const policy = role.policy;
  const wholeRole = policy?.form === 'whole-role';
  const widened = (policy?.widenedToUsers.length ?? 0) > 0;
  const consented = !policy ? false : wholeRole ? typed === role.role : widened ? acceptWidened : true;
  const result = apply.data;
  const done = result?.applied === true;
  const pretty = policy ? JSON.stringify(JSON.parse(policy.json), null, 2) : '';
  const run = () => {
    if (!policy || !connection) return;
    onBusy(true);
    apply.mutate(
      { ids, blast: plan.blast, incident, plannedAt: plan.plannedAt, role: role.role, sha256: policy.sha256, typedRole: wholeRole ? typed : undefined, acceptWidened: widened ? acceptWidened : undefined, connection: { id: connection.id, nonce: connection.nonce } },
      { onSettled: () => onBusy(false) },
    );
  };
  return (
    <section className="deny-role" aria-labelledby={`${id}-role`} data-testid="deny-role" data-role={role.role} data-state={done ? 'applied' : result ? 'failed' : 'planned'}>
      <h3 id={`${id}-role`}>
        Role <span className="mono">{role.role}</span>
        <span className="muted small">
          {' '}
          · {role.sessions.length} {role.sessions.length === 1 ? 'session' : 'sessions'} of profile {role.profiles.join(', ')}
        </span>
      </h3>
      {policy ? (
        <>
          <dl className="deny-facts">
            <div>
              <dt>Policy</dt>
              <dd className="mono">{policy.name}</dd>
            </div>
            <div>
              <dt>Denies</dt>
              <dd data-testid="deny-form">{widened ? `every Sentinel credential of ${policy.widenedToUsers.join(', ')} (live sessions too)` : FORM_WORDS[policy.form]}</dd>
            </div>
            <div>
              <dt>Size</dt>
              <dd>
                {policy.size.toLocaleString('en')} of {policy.budget.toLocaleString('en')} characters the role has left
              </dd>
            </div>
            <div>
              <dt>Removable after</dt>
              <dd>{exactMillisLabel(Date.parse(policy.removableAfter))}</dd>
            </div>
          </dl>
          {role.notes.length > 0 ? (
            <ul className="deny-notes" data-testid="deny-notes">
              {role.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          ) : null}
          <div className="deny-json-head">
            <span className="muted small">Exactly what is sent with iam:PutRolePolicy (sha256 {policy.sha256.slice(0, 12)}…)</span>
            <button
              type="button"
              className="small-button"
              onClick={() => void navigator.clipboard.writeText(pretty).then(() => setCopied(true), () => setCopied(false))}
            >
              {copied ? 'Copied' : 'Copy JSON'}
            </button>
          </div>
          <pre className="deny-json" data-testid="deny-json" tabIndex={0} aria-label={`Policy document for role ${role.role}`}>
            {pretty}
          </pre>
          {!plan.readOnly && !done ? (
            <div className="deny-consent">
              {widened ? (
                <label className="deny-check">
                  <input type="checkbox" checked={acceptWidened} onChange={(e) => setAcceptWidened(e.target.checked)} data-testid="deny-accept-widened" />
                  <span>
                    I accept that this denies <strong>every</strong> Sentinel credential of {policy.widenedToUsers.join(', ')}, including sessions that are still live.
                  </span>
                </label>
              ) : null}
              {wholeRole ? (
                <label className="form-field">
                  <span>
                    Everyone using role <strong className="mono">{role.role}</strong> loses the credentials they hold. Type the role name to confirm:
                  </span>
                  <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} data-testid="deny-typed-role" />
                </label>
              ) : null}
              <button type="button" className="danger-button" disabled={!consented || apply.isPending || !connection} onClick={run}>
                {apply.isPending ? 'Putting the policy…' : wholeRole ? `Deny every credential of role ${role.role}` : `Deny on role ${role.role}`}
              </button>
            </div>
          ) : null}
        </>
      ) : (
        <p className="error-text" data-testid="deny-problem">
          No policy for this role: {role.problem}
        </p>
      )}
      {result ? <Outcome result={result} /> : null}
      {apply.isError ? (
        <p className="error-text" role="alert">
          Not applied: {apply.error.message}
        </p>
      ) : null}
    </section>
  );
}

function Outcome({ result }: { result: IamApplyResult }) {
  // The outcome lands below the document, in the dialog's scrolled area: brought into view.
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Not returned: Chromium's scrollIntoView now answers a promise, which React would call as a cleanup.
    void ref.current?.scrollIntoView({ block: 'nearest' });
  }, [result]);
  if (result.applied) {
    return (
      <div ref={ref} className="deny-outcome deny-ok" role="status" data-testid="deny-outcome">
        <span aria-hidden="true">✓ </span>
        Put <span className="mono">{result.name}</span> on role <span className="mono">{result.role}</span>: IAM refuses the covered credentials from now on. Recorded in the ledger.
        It may be removed after {exactMillisLabel(Date.parse(result.removableAfter))} (Audit lists it).
      </div>
    );
  }
  return (
    <div ref={ref} className="deny-outcome deny-failed" role="alert" data-testid="deny-outcome">
      <p>
        <span aria-hidden="true">✗ </span>
        {result.permission ? 'Missing permission. ' : 'IAM refused it. '}
        {result.problem}
      </p>
      <p className="small">Nothing was changed in IAM; the attempt and its failure are in the ledger.</p>
    </div>
  );
}
