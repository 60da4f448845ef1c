import type { Form } from './connection-form';
import { canaryOffered } from './canary-form';

interface CanaryFieldsProps {
  form: Form;
  set: (patch: Partial<Form>) => void;
  /** The id of a form field (the editor's `useId` prefix and the field's name). */
  field: (name: keyof Form) => string;
}

/**
 * The enforcement canary's opt-in: off unless the operator turns it on for this connection, and
 * never on a read-only one. Says plainly what it writes.
 */
export function CanaryFields({ form, set, field }: CanaryFieldsProps) {
  const offered = canaryOffered(form.kind);
  const hintId = field('canaryEnabled') + '-hint';
  return (
    <fieldset className="form-group" data-testid="canary-fields">
      <legend>Enforcement canary</legend>
      <label className="checkbox-field">
        <input
          type="checkbox"
          id={field('canaryEnabled')}
          checked={form.canaryEnabled && !form.readOnly && offered}
          disabled={form.readOnly || !offered}
          aria-describedby={hintId}
          onChange={(e) => set({ canaryEnabled: e.target.checked })}
        />{' '}
        Run the enforcement canary on this connection
      </label>
      <p id={hintId} className="small muted">
        {!offered
          ? 'Not available for PostgreSQL connections yet (Sentinel tables and Redis web sessions have one).'
          : form.readOnly
            ? 'Not on a read-only connection: the canary writes to the store.'
            : `It writes a test session of the user session-warden-canary into this store, revokes it through the normal path (recorded in the ledger as a canary), checks the store${form.kind === 'redis' || form.blacklistUrl.trim() ? ' and the blacklist' : ''} say revoked and, with a probe URL, that the service refuses it; then removes it. On demand from the Audit screen, and on a schedule while the app runs.`}
      </p>
      {form.canaryEnabled && !form.readOnly && offered ? (
        <div className="row wrap">
          <label className="form-field grow" htmlFor={field('canaryProbeUrl')}>
            <span>Probe URL (optional): a protected page; the canary must be accepted before and refused (401/403) after</span>
            <input id={field('canaryProbeUrl')} value={form.canaryProbeUrl} onChange={(e) => set({ canaryProbeUrl: e.target.value })} placeholder="https://app.example.com/api/me" spellCheck={false} />
          </label>
          <label className="form-field" htmlFor={field('canaryEveryMinutes')}>
            <span>Every (minutes)</span>
            <input id={field('canaryEveryMinutes')} value={form.canaryEveryMinutes} onChange={(e) => set({ canaryEveryMinutes: e.target.value })} inputMode="numeric" className="narrow" />
          </label>
          <label className="form-field" htmlFor={field('canaryThresholdMs')}>
            <span>Alarm above (ms)</span>
            <input id={field('canaryThresholdMs')} value={form.canaryThresholdMs} onChange={(e) => set({ canaryThresholdMs: e.target.value })} inputMode="numeric" className="narrow" />
          </label>
        </div>
      ) : null}
    </fieldset>
  );
}
