import { useState } from 'react';
import type { IdentityForm } from './identity-form';
import { defaultIdentityMap, deriveName, templateProblem, type IdentityKey, type IdentityRule } from '../../../../src-shared/identity-rule';

type Kind = 'dynamodb' | 'redis' | 'postgres';

/** Which of the store's fields each key reads, in the store's own words. */
const FIELD_NAMES: Record<Kind, Partial<Record<IdentityKey, string>>> = {
  dynamodb: { user: 'user (the Sentinel user name)' },
  redis: { user: 'userId (the web app user id)', email: 'email (kept on each session)' },
  postgres: { user: 'user_id (the users table id)', email: 'users.email' },
};

function ruleWords(rule: IdentityRule, kind: Kind): string {
  return `${FIELD_NAMES[kind][rule.key] ?? rule.key} = ${rule.template}${rule.lowercase ? ', lower-cased' : ''}`;
}

const SAMPLES = ['alice@corp.example', 'alice'];

/**
 * "How a person is named here": the field and the rule that derives it from what an analyst types,
 * the kind's default said in words, and a live preview of the rule on an e-mail and a login.
 */
export function IdentityFields<F extends IdentityForm & { kind: Kind }>({ form, set, field }: { form: F; set: (patch: Partial<IdentityForm>) => void; field: (name: keyof IdentityForm) => string }) {
  const [sample, setSample] = useState('');
  const fallback = defaultIdentityMap(form.kind);
  const keys = Object.keys(FIELD_NAMES[form.kind]) as IdentityKey[];
  const rule: IdentityRule = form.identityCustom ? { key: form.identityKey, template: form.identityTemplate.trim(), lowercase: form.identityLowercase } : fallback;
  const problem = form.identityCustom ? (templateProblem(form.identityTemplate) ?? (keys.includes(form.identityKey) ? null : `this store has no ${form.identityKey} field to search`)) : null;
  const samples = sample.trim() ? [sample.trim()] : SAMPLES;
  const custom = (on: boolean) =>
    set(on ? { identityCustom: true, identityKey: fallback.key, identityTemplate: fallback.template, identityLowercase: fallback.lowercase === true } : { identityCustom: false });
  return (
    <fieldset className="form-group identity-fields" data-testid="identity-fields">
      <legend>How a person is named here (Find a person)</legend>
      <label className="checkbox-field">
        <input type="radio" name={field('identityCustom')} checked={!form.identityCustom} onChange={() => custom(false)} /> Default for this kind: {ruleWords(fallback, form.kind)}
      </label>
      <label className="checkbox-field">
        <input type="radio" name={field('identityCustom')} checked={form.identityCustom} onChange={() => custom(true)} /> A rule of its own
      </label>
      {form.identityCustom ? (
        <div className="row wrap">
          <label className="form-field" htmlFor={field('identityKey')}>
            <span>Field that names the person</span>
            <select id={field('identityKey')} value={form.identityKey} onChange={(e) => set({ identityKey: e.target.value as IdentityKey })}>
              {keys.map((k) => (
                <option key={k} value={k}>
                  {FIELD_NAMES[form.kind][k]}
                </option>
              ))}
              {keys.includes(form.identityKey) ? null : <option value={form.identityKey}>{form.identityKey} (not a field of this store)</option>}
            </select>
          </label>
          <label className="form-field grow" htmlFor={field('identityTemplate')}>
            <span>Rule: {'{local}'} is the login or the part of the e-mail before @, {'{email}'} the e-mail as typed</span>
            <input
              id={field('identityTemplate')}
              value={form.identityTemplate}
              onChange={(e) => set({ identityTemplate: e.target.value })}
              spellCheck={false}
              autoComplete="off"
              maxLength={200}
              aria-invalid={problem !== null}
              aria-describedby={`${field('identityTemplate')}-preview`}
              placeholder="{local}@corp.example"
            />
          </label>
          <label className="checkbox-field">
            <input type="checkbox" checked={form.identityLowercase} onChange={(e) => set({ identityLowercase: e.target.checked })} /> Lower-case the result
          </label>
        </div>
      ) : null}
      {problem ? (
        <p className="error-text small" role="alert">
          Rule not valid: {problem}.
        </p>
      ) : null}
      <div className="identity-preview" id={`${field('identityTemplate')}-preview`}>
        <label className="form-field" htmlFor={`${field('identityTemplate')}-sample`}>
          <span>Try it with a person</span>
          <input id={`${field('identityTemplate')}-sample`} value={sample} onChange={(e) => setSample(e.target.value)} placeholder="alice@corp.example" spellCheck={false} autoComplete="off" maxLength={254} />
        </label>
        <ul className="identity-samples" aria-live="polite" data-testid="identity-preview">
          {samples.map((s) => {
            const derived = problem ? null : deriveName(rule, s);
            return (
              <li key={s}>
                <span className="mono">{s}</span> →{' '}
                {derived === null ? <span className="muted">(fix the rule first)</span> : derived.ok ? <strong className="mono">{derived.name}</strong> : <span className="warning-text">cannot be derived: {derived.problem}</span>}
              </li>
            );
          })}
        </ul>
      </div>
    </fieldset>
  );
}
