/**
 * The identity rule without its schema (zod-free, so the renderer can preview it live): which
 * field names a person in a store and how that name is derived from what an analyst types.
 * src-shared/identity.ts holds the schema that validates a rule and re-exports these.
 */
export const IDENTITY_KEYS = ['user', 'email'] as const;
export type IdentityKey = (typeof IDENTITY_KEYS)[number];

/** An identity map as stored (`IdentityMapSchema` in identity.ts validates it). */
export interface IdentityRule {
  key: IdentityKey;
  template: string;
  lowercase?: boolean | undefined;
}

const TEMPLATE_PLACEHOLDER = /\{(local|email)\}/g;

/** Where nothing is configured: Sentinel names people by login, web stores and PostgreSQL by e-mail. */
export function defaultIdentityMap(kind: 'dynamodb' | 'redis' | 'postgres'): { key: IdentityKey; template: string; lowercase?: boolean } {
  return kind === 'dynamodb' ? { key: 'user', template: '{local}' } : { key: 'email', template: '{email}', lowercase: true };
}

export type DerivedName = { ok: true; name: string } | { ok: false; problem: string };

/** The name `map` gives the person typed as `person`, or why it cannot be derived. Pure. */
export function deriveName(map: IdentityRule, person: string): DerivedName {
  const typed = person.trim();
  const at = typed.indexOf('@');
  const email = at > 0 ? typed : undefined;
  const local = at > 0 ? typed.slice(0, at) : typed;
  if (map.template.includes('{email}') && email === undefined) {
    return { ok: false, problem: `this connection names people by e-mail (${map.template}): type ${local}'s e-mail, or give the connection a rule that derives it from a login, such as {local}@corp.example` };
  }
  const name = map.template.replace(TEMPLATE_PLACEHOLDER, (_, which: string) => (which === 'email' ? (email ?? '') : local));
  return { ok: true, name: map.lowercase === true ? name.toLowerCase() : name };
}

/** What identity.ts's schema would say about a rule's template, said at the field before saving. */
export function templateProblem(template: string): string | null {
  const t = template.trim();
  if (t === '') return 'type a rule such as {local} or {email}';
  if (t.length > 200) return 'at most 200 characters';
  if (!/^(?:[A-Za-z0-9@._+=,:-]|\{local\}|\{email\})+$/.test(t)) return 'letters, digits, @ . _ + = , : - and the placeholders {local} and {email} only';
  if (!t.includes('{local}') && !t.includes('{email}')) return 'the rule must use {local} or {email}, or it names the same person for everyone';
  return null;
}
