import type { Form } from './connection-form';

interface BlacklistFieldsProps {
  form: Form;
  set: (patch: Partial<Form>) => void;
  /** The id of a form field (the editor's `useId` prefix and the field's name). */
  field: (name: keyof Form) => string;
  /** A blacklist password is kept for the connection being edited. */
  keptSecret: boolean;
}

/** The optional blacklist Redis revocations are mirrored to (DynamoDB and PostgreSQL connections); its password is write-only. */
export function BlacklistFields({ form, set, field, keptSecret }: BlacklistFieldsProps) {
  return (
    <div className="row wrap">
      <label className="form-field grow" htmlFor={field('blacklistUrl')}>
        <span>Blacklist Redis (optional; revocations are mirrored as revoked:&lt;id&gt;)</span>
        <input id={field('blacklistUrl')} value={form.blacklistUrl} onChange={(e) => set({ blacklistUrl: e.target.value })} placeholder="rediss://host:6380" />
      </label>
      {form.blacklistUrl.trim() ? (
        <>
          <label className="form-field" htmlFor={field('blacklistUsername')}>
            <span>Its ACL user (optional)</span>
            <input id={field('blacklistUsername')} value={form.blacklistUsername} onChange={(e) => set({ blacklistUsername: e.target.value })} autoComplete="off" />
          </label>
          <label className="form-field" htmlFor={field('blacklistSecret')}>
            <span>Its password{keptSecret ? ' (one is kept: leave empty to keep it)' : ' (optional)'}</span>
            <input id={field('blacklistSecret')} type="password" value={form.blacklistSecret} onChange={(e) => set({ blacklistSecret: e.target.value })} autoComplete="new-password" />
          </label>
        </>
      ) : null}
    </div>
  );
}
