import { z } from 'zod';
import { IDENTITY_KEYS } from './identity-rule';

// The rule itself is zod-free (identity-rule.ts) so the renderer can preview it; re-exported here.
export { IDENTITY_KEYS, defaultIdentityMap, deriveName, type DerivedName, type IdentityKey } from './identity-rule';

/**
 * How a person is named in one connection's store (issue 18): which field holds them and the rule
 * that derives that name from what an analyst types (an e-mail such as `alice@corp.example`, or a
 * login such as `alice`). Kept per saved connection in `connections.json`.
 *
 * - `key: 'user'`: the store's user field: a Sentinel `user`, a web session's `userId`, PostgreSQL's
 *   `user_id`.
 * - `key: 'email'`: the person's e-mail: a web session's `email`, PostgreSQL's `users.email`.
 *
 * `template` builds the name: `{local}` is the login, or the part of an e-mail before `@`;
 * `{email}` is the e-mail as typed (so a login alone cannot fill it); anything else is literal, so
 * `{local}@corp.example` derives an e-mail from a login. `lowercase` folds the result.
 */
/** Letters, digits and the punctuation user names and e-mails use; placeholders in braces. */
const TEMPLATE_TEXT = /^(?:[A-Za-z0-9@._+=,:-]|\{local\}|\{email\})+$/;

export const IdentityMapSchema = z.strictObject({
  key: z.enum(IDENTITY_KEYS),
  template: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(TEMPLATE_TEXT, 'a rule such as {local}, {email} or {local}@corp.example: letters, digits, @ . _ + = , : - and the placeholders {local} and {email}')
    .refine((t) => t.includes('{local}') || t.includes('{email}'), 'the rule must use {local} or {email}, or it names the same person for everyone'),
  lowercase: z.boolean().optional(),
});
export type IdentityMap = z.infer<typeof IdentityMapSchema>;

/** What an analyst typed for a person: an e-mail, or a login. */
export const PersonTextSchema = z
  .string()
  .trim()
  .min(1, 'type a person: an e-mail such as alice@corp.example, or a login such as alice')
  .max(254)
  .regex(/^[A-Za-z0-9@._+=,:-]+$/, 'a person is an e-mail or a login: letters, digits and @ . _ + = , : -')
  .refine((t) => (t.match(/@/g) ?? []).length <= 1 && !t.startsWith('@') && !t.endsWith('@'), 'an e-mail has one @ with text on both sides');
