import { POSTGRES_SSL_MODES, postgresVerifies, type Form } from './connection-form';

interface PostgresFieldsProps {
  form: Form;
  set: (patch: Partial<Form>) => void;
  field: (name: keyof Form) => string;
  /** Why the URL is refused, once the operator left the field or tried to save; else null. */
  urlProblem: string | null;
  onUrlBlur: () => void;
}

/**
 * The web app's PostgreSQL sessions table, in libpq's terms: a URL without its password (that is
 * the write-only password field below, kept in the vault), sslmode and a private CA, and who the
 * revocations are recorded as in the app's own tables.
 */
export function PostgresFields({ form, set, field, urlProblem, onUrlBlur }: PostgresFieldsProps) {
  const hint = (name: keyof Form) => `${field(name)}-hint`;
  const urlError = `${field('postgresUrl')}-error`;
  return (
    <>
      <div className="form-field">
        <label htmlFor={field('postgresUrl')} className="muted small">
          URL (postgres://USER@HOST:PORT/DATABASE)
        </label>
        <input
          id={field('postgresUrl')}
          value={form.postgresUrl}
          onChange={(e) => set({ postgresUrl: e.target.value })}
          onBlur={onUrlBlur}
          placeholder="postgres://warden@db.internal:5432/shop (no password here)"
          spellCheck={false}
          autoComplete="off"
          className="mono"
          aria-invalid={urlProblem !== null}
          aria-describedby={urlProblem ? `${urlError} ${hint('postgresUrl')}` : hint('postgresUrl')}
        />
        {urlProblem ? (
          // A div: `.form-field > span` would dim the error to the hints' colour.
          <div id={urlError} className="error-text small" role="alert">
            The URL {urlProblem}.
          </div>
        ) : null}
        <span id={hint('postgresUrl')} className="small muted">
          The password goes in the password field below (kept in the vault), never in the URL.
        </span>
      </div>
      <div className="form-field">
        <label htmlFor={field('sslmode')} className="muted small">
          SSL mode
        </label>
        <select id={field('sslmode')} value={form.sslmode} onChange={(e) => set({ sslmode: e.target.value as Form['sslmode'] })} aria-describedby={hint('sslmode')}>
          <option value="">Default</option>
          {POSTGRES_SSL_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {mode}
            </option>
          ))}
        </select>
        <span id={hint('sslmode')} className="small muted">
          Default: verify-full for any host but this machine (disable for localhost).
        </span>
      </div>
      {postgresVerifies(form) ? (
        <div className="form-field">
          <label htmlFor={field('tlsCa')} className="muted small">
            CA certificate (PEM, optional)
          </label>
          <textarea id={field('tlsCa')} value={form.tlsCa} rows={3} onChange={(e) => set({ tlsCa: e.target.value })} spellCheck={false} placeholder="-----BEGIN CERTIFICATE-----" aria-describedby={hint('tlsCa')} />
          <span id={hint('tlsCa')} className="small muted">
            Only for verify-ca or verify-full with a private CA; empty: the system&apos;s trusted CAs.
          </span>
        </div>
      ) : null}
    </>
  );
}

/** Who revocations are recorded as in the app's own tables (its `users.email`). */
export function OperatorEmailField({ form, set, field }: Pick<PostgresFieldsProps, 'form' | 'set' | 'field'>) {
  const hint = `${field('operatorEmail')}-hint`;
  return (
    <div className="form-field">
      <label htmlFor={field('operatorEmail')} className="muted small">
        Your e-mail in the app (optional)
      </label>
      <input id={field('operatorEmail')} type="email" value={form.operatorEmail} onChange={(e) => set({ operatorEmail: e.target.value })} autoComplete="off" aria-describedby={hint} />
      <span id={hint} className="small muted">
        Revocations are recorded as this app user (revoked_by); otherwise NULL, with your identity in the audit row.
      </span>
    </div>
  );
}
