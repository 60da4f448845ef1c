import { z } from 'zod';

/** Users are Sentinel user names or web user ids; generous but bounded. */
export const UserNameSchema = z.string().trim().min(1).max(256);

/** Most close matches a lookup offers. */
export const MAX_USER_SUGGESTIONS = 5;

/**
 * Why a name is offered for what the operator typed: the same name in another case, the user an
 * e-mail address belongs to, a name that starts with (or contains) the text, or a near spelling.
 */
export const UserMatchWhySchema = z.enum(['case', 'email', 'prefix', 'similar']);

export const UserSuggestionSchema = z.strictObject({
  /** The name exactly as the store holds it. */
  user: z.string(),
  /** Live sessions the store's index holds for that user (as of the directory's `asOf`). */
  live: z.number().int().nonnegative(),
  why: UserMatchWhySchema,
});
export type UserSuggestion = z.infer<typeof UserSuggestionSchema>;

export const UsersLookupRequestSchema = z.strictObject({ text: UserNameSchema });

/**
 * What the store knows of a typed user name. `exact`: a user of exactly this name has live
 * sessions. `resolved`: none has, but exactly one user matches ignoring case or by e-mail
 * (`user`, `how`). `none`: no user matches; `suggestions` are the closest names the store holds.
 */
export const UserLookupSchema = z.strictObject({
  /** The name as typed, trimmed. */
  text: z.string(),
  match: z.enum(['exact', 'resolved', 'none']),
  /** The store's name for `text` when `exact` or `resolved`. */
  user: z.string().optional(),
  how: z.enum(['case', 'email']).optional(),
  /** Live sessions of `user` (0 when there is none). */
  live: z.number().int().nonnegative(),
  /**
   * Whether the store holds any session (any status) of exactly `text`: a user who is known but
   * has nothing live is not a typo. Null when the store could not say in one cheap read.
   */
  known: z.boolean().nullable(),
  suggestions: z.array(UserSuggestionSchema).max(MAX_USER_SUGGESTIONS),
  /** How many users with live sessions the directory holds, and when it was gathered. */
  directory: z.strictObject({ users: z.number().int().nonnegative(), asOf: z.iso.datetime() }),
});
export type UserLookup = z.infer<typeof UserLookupSchema>;
