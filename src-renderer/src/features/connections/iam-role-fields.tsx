import type { Form } from './connection-form';
import { iamRoleProblems } from '../iam/iam-role-form';

interface IamRoleFieldsProps {
  form: Form;
  set: (patch: Partial<Form>) => void;
  /** The id of a form field (the editor's `useId` prefix and the field's name). */
  field: (name: keyof Form) => string;
}

/**
 * Which IAM role each Sentinel profile's credentials are vended for: where "Also deny credentials
 * already issued…" puts its policy. Without it the app says the role is unknown and applies nothing.
 */
export function IamRoleFields({ form, set, field }: IamRoleFieldsProps) {
  const hintId = `${field('iamRoles')}-hint`;
  const problems = iamRoleProblems(form);
  return (
    <fieldset className="form-group" data-testid="iam-role-fields">
      <legend>IAM roles (deny already-issued credentials)</legend>
      <label className="form-field grow" htmlFor={field('iamRoles')}>
        <span>Profile = IAM role, one a line; * = the role of every other profile</span>
        <textarea
          id={field('iamRoles')}
          value={form.iamRoles}
          rows={3}
          onChange={(e) => set({ iamRoles: e.target.value })}
          spellCheck={false}
          placeholder={'prod-admin = sentinel-prod-admin\n* = sentinel-default'}
          aria-describedby={hintId}
          aria-invalid={problems.some((p) => p.startsWith('line')) || undefined}
        />
      </label>
      <p id={hintId} className="small muted">
        After a revocation the app offers an inline deny policy on the role a session&apos;s credentials were vended for (iam:PutRolePolicy with this connection&apos;s own
        credentials). Profiles not listed have no known role: the app says so and applies nothing for them.
      </p>
      <label className="form-field" htmlFor={field('iamEndpoint')}>
        <span>IAM endpoint (optional; empty: AWS&apos;s)</span>
        <input id={field('iamEndpoint')} value={form.iamEndpoint} onChange={(e) => set({ iamEndpoint: e.target.value })} spellCheck={false} placeholder="https://iam.amazonaws.com" />
      </label>
      {problems.length > 0 ? (
        <ul className="form-problems" data-testid="iam-role-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}
