import { isProductionEnvironment } from '../../../../src-shared/environment';
import { useId, useState } from 'react';
import { ENVIRONMENT_COLOURS } from '../../../../src-shared/reason-codes';
import { useAwsProfiles, useSaveConnection, useTestConnection } from '../../api/use-connections';
import { ModalDialog } from '../../ui/modal-dialog';
import { useToasts } from '../../ui/toast-store';
import { BlacklistFields } from './blacklist-fields';
import { CanaryFields } from './canary-fields';
import { IdentityFields } from './identity-fields';
import { IamRoleFields } from './iam-role-fields';
import { formOf, ledgerTableOf, postgresUrlProblem, requestOf, unsavedStore, type EditorSubject, type Form } from './connection-form';
import { OperatorEmailField, PostgresFields } from './postgres-fields';
import { TeamLedgerControl } from './team-ledger-control';
import { TestResults } from './test-results';

/** Create, edit or duplicate a connection; the secret field is write-only. */
export function ConnectionEditor({ subject, secretStorage, onClose }: { subject: EditorSubject; secretStorage: { available: boolean; explanation: string }; onClose: () => void }) {
  const id = useId();
  const [form, setForm] = useState<Form>(() => formOf(subject));
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const profiles = useAwsProfiles(form.kind === 'dynamodb' && form.credentialSource === 'profile');
  const save = useSaveConnection();
  const test = useTestConnection();
  const show = useToasts((s) => s.show);
  const keptSecret = subject.mode === 'edit' && subject.connection.hasSecret;
  const title = subject.mode === 'new' ? 'New connection' : subject.mode === 'edit' ? `Edit ${subject.connection.name}` : `Duplicate ${subject.connection.name}`;
  const field = (name: keyof Form) => `${id}-${name}`;
  const keptBlacklistSecret = subject.mode === 'edit' && subject.connection.hasBlacklistSecret;
  // A URL with a password is refused at the field, before the password goes anywhere (main refuses it too).
  const urlProblem = form.kind === 'postgres' ? postgresUrlProblem(form.postgresUrl) : null;
  const [urlChecked, setUrlChecked] = useState(false);
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setUrlChecked(true);
    if (urlProblem) return;
    save.mutate(requestOf(form, subject), {
      onSuccess: ({ connection }) => {
        show(`Saved ${connection.name}${connection.secretKept === 'memory' ? ': its secret is kept for this run only' : ''}.`);
        onClose();
      },
    });
  };
  const secretLabel = form.kind === 'dynamodb' ? 'Secret access key' : 'Password';
  const showSecret = form.kind !== 'dynamodb' || form.credentialSource === 'static';
  const testDraft = () => {
    setUrlChecked(true);
    if (!urlProblem) test.mutate({ draft: requestOf(form, subject) });
  };

  return (
    <ModalDialog open onClose={onClose} busy={save.isPending} labelledBy={`${id}-title`} testId="connection-editor">
      <form onSubmit={submit} noValidate className="connection-form">
        <h2 id={`${id}-title`} className="dialog-title">
          {title}
        </h2>
        <div className="row wrap">
          <label className="form-field grow" htmlFor={field('name')}>
            <span>Name</span>
            <input id={field('name')} value={form.name} onChange={(e) => set({ name: e.target.value })} maxLength={100} />
          </label>
          <label className="form-field" htmlFor={field('environment')}>
            <span>Environment label</span>
            <input id={field('environment')} value={form.environment} onChange={(e) => set({ environment: e.target.value })} maxLength={40} />
          </label>
          <label className="form-field" htmlFor={field('colour')}>
            <span>Colour</span>
            <select id={field('colour')} value={form.colour} onChange={(e) => set({ colour: e.target.value as Form['colour'] })}>
              {ENVIRONMENT_COLOURS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        </div>
        {/^prod/i.test(form.environment) ? <p className="env-band env-production">Production: shown as a red band on every screen and in every revoke dialog.</p> : null}
        <label className="checkbox-field">
          <input type="checkbox" checked={form.readOnly} onChange={(e) => set({ readOnly: e.target.checked })} /> Read-only (auditor): revocations are refused
        </label>
        <label className="form-field" htmlFor={`${id}-ticket-rule`}>
          <span>Ticket for offboarding runs</span>
          <select id={`${id}-ticket-rule`} value={form.ticket} onChange={(e) => set({ ticket: e.target.value as Form['ticket'] })}>
            <option value="default">{isProductionEnvironment(form.environment) ? 'Required (production default)' : 'Warned about when missing (default outside production)'}</option>
            <option value="required">Always required</option>
            <option value="optional">Optional: warned about when missing</option>
          </select>
        </label>
        <fieldset className="form-group">
          <legend>Store</legend>
          <label className="checkbox-field">
            <input type="radio" name={field('kind')} checked={form.kind === 'dynamodb'} onChange={() => set({ kind: 'dynamodb' })} /> DynamoDB (Sentinel table)
          </label>
          <label className="checkbox-field">
            <input type="radio" name={field('kind')} checked={form.kind === 'redis'} onChange={() => set({ kind: 'redis' })} /> Redis (web sessions)
          </label>
          <label className="checkbox-field">
            <input type="radio" name={field('kind')} checked={form.kind === 'postgres'} onChange={() => set({ kind: 'postgres' })} /> PostgreSQL (web app sessions table)
          </label>
        </fieldset>
        {form.kind === 'dynamodb' ? (
          <>
            <div className="row wrap">
              <label className="form-field" htmlFor={field('region')}>
                <span>Region</span>
                <input id={field('region')} value={form.region} onChange={(e) => set({ region: e.target.value })} />
              </label>
              <label className="form-field" htmlFor={field('table')}>
                <span>Table</span>
                <input id={field('table')} value={form.table} onChange={(e) => set({ table: e.target.value })} />
              </label>
              <label className="form-field grow" htmlFor={field('endpoint')}>
                <span>Endpoint (optional: DynamoDB Local, a VPC endpoint)</span>
                <input id={field('endpoint')} value={form.endpoint} onChange={(e) => set({ endpoint: e.target.value })} placeholder="https://…" />
              </label>
            </div>
            <fieldset className="form-group">
              <legend>AWS credentials</legend>
              {(['profile', 'default', 'static'] as const).map((source) => (
                <label key={source} className="checkbox-field">
                  <input type="radio" name={field('credentialSource')} checked={form.credentialSource === source} onChange={() => set({ credentialSource: source })} />{' '}
                  {source === 'profile' ? 'An AWS profile (SSO included): no secret stored' : source === 'default' ? 'The default credential chain' : 'Static access keys'}
                </label>
              ))}
              {form.credentialSource === 'profile' ? (
                <label className="form-field" htmlFor={field('profile')}>
                  <span>Profile</span>
                  <select id={field('profile')} value={form.profile} onChange={(e) => set({ profile: e.target.value })}>
                    <option value="">{profiles.isPending ? 'Reading ~/.aws/config…' : 'Choose a profile'}</option>
                    {profiles.data?.map((p) => (
                      <option key={p.name} value={p.name}>
                        {p.name} ({p.kind}
                        {p.region ? `, ${p.region}` : ''})
                      </option>
                    ))}
                  </select>
                </label>
              ) : null}
              {form.credentialSource === 'static' ? (
                <label className="form-field" htmlFor={field('accessKeyId')}>
                  <span>Access key id</span>
                  <input id={field('accessKeyId')} value={form.accessKeyId} onChange={(e) => set({ accessKeyId: e.target.value })} autoComplete="off" spellCheck={false} />
                </label>
              ) : null}
            </fieldset>
            <BlacklistFields form={form} set={set} field={field} keptSecret={keptBlacklistSecret} />
          </>
        ) : form.kind === 'postgres' ? (
          <PostgresFields form={form} set={set} field={field} urlProblem={urlChecked ? urlProblem : null} onUrlBlur={() => setUrlChecked(true)} />
        ) : (
          <div className="row wrap">
            <label className="form-field grow" htmlFor={field('urls')}>
              <span>URL (redis:// or rediss:// for TLS); several lines for cluster seed nodes</span>
              <textarea id={field('urls')} value={form.urls} rows={2} onChange={(e) => set({ urls: e.target.value })} spellCheck={false} />
            </label>
            <label className="form-field" htmlFor={field('username')}>
              <span>ACL user (optional)</span>
              <input id={field('username')} value={form.username} onChange={(e) => set({ username: e.target.value })} autoComplete="off" />
            </label>
            <label className="form-field" htmlFor={field('db')}>
              <span>Database</span>
              <input id={field('db')} value={form.db} onChange={(e) => set({ db: e.target.value })} inputMode="numeric" className="narrow" />
            </label>
            <label className="checkbox-field">
              <input type="checkbox" checked={form.cluster} onChange={(e) => set({ cluster: e.target.checked })} /> Cluster mode
            </label>
            {form.urls.includes('rediss://') ? (
              <label className="form-field grow" htmlFor={field('tlsCa')}>
                <span>CA certificate (PEM), only for a private CA</span>
                <textarea id={field('tlsCa')} value={form.tlsCa} rows={3} onChange={(e) => set({ tlsCa: e.target.value })} spellCheck={false} placeholder="-----BEGIN CERTIFICATE-----" />
              </label>
            ) : null}
          </div>
        )}
        {showSecret ? (
          <label className="form-field" htmlFor={field('secret')}>
            <span>
              {secretLabel}
              {keptSecret ? ' (one is kept: leave empty to keep it)' : ''}
            </span>
            <input id={field('secret')} type="password" value={form.secret} onChange={(e) => set({ secret: e.target.value })} autoComplete="new-password" />
            <span className={`small ${secretStorage.available ? 'muted' : 'warning-text'}`}>{secretStorage.explanation}</span>
          </label>
        ) : null}
        {form.kind === 'postgres' ? (
          <>
            <OperatorEmailField form={form} set={set} field={field} />
            <BlacklistFields form={form} set={set} field={field} keptSecret={keptBlacklistSecret} />
            <p className="small muted">No team ledger for PostgreSQL: revocations stay in this desk&apos;s ledger and the app&apos;s session_audit_log.</p>
          </>
        ) : (
          <TeamLedgerControl
            idPrefix={id}
            kind={form.kind}
            enabled={form.teamLedger}
            name={form.kind === 'dynamodb' ? ledgerTableOf(form) : form.ledgerStream}
            onEnabled={(teamLedger) => set({ teamLedger })}
            onName={(name) => set(form.kind === 'dynamodb' ? { ledgerTable: name } : { ledgerStream: name })}
            saved={subject.mode === 'edit' ? subject.connection : null}
            unsaved={unsavedStore(form, subject)}
          />
        )}
        <CanaryFields form={form} set={set} field={field} />
        <IdentityFields form={form} set={set} field={field} />
        {form.kind === 'dynamodb' ? <IamRoleFields form={form} set={set} field={field} /> : null}
        {save.isError ? (
          <p role="alert" className="error-text">
            Not saved: {save.error.message}
          </p>
        ) : null}
        <TestResults test={test} />
        <div className="dialog-actions">
          <button type="button" className="secondary-button" onClick={testDraft} disabled={test.isPending}>
            Test connection
          </button>
          <button type="button" className="link-button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary-button" disabled={save.isPending}>
            Save
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
