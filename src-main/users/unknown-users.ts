import type { UserSuggestion } from '../../src-shared/users';
import { UserDirectory, type UserDirectorySource } from './user-directory';

/** A requested name the store does not hold with live sessions, and what it probably meant. */
export interface UnknownUser {
  user: string;
  suggestions: UserSuggestion[];
}

/**
 * Sorts the users a revocation found nothing live for into those the store knows (nothing to
 * revoke: true) and names it does not hold as typed (a typo, another case, an e-mail), which must
 * never pass as "nothing to revoke". A name the store cannot vouch for cheaply counts as unknown.
 * The directory is read only when some user came back empty.
 */
export async function sortOutQuietUsers(
  source: UserDirectorySource,
  users: readonly string[],
  alsoKnown: (user: string) => Promise<boolean> = async () => false,
): Promise<{ withoutActive: string[]; unknown: UnknownUser[] }> {
  if (users.length === 0) return { withoutActive: [], unknown: [] };
  const directory = new UserDirectory(source);
  const withoutActive: string[] = [];
  const unknown: UnknownUser[] = [];
  for (const user of users) {
    const found = await directory.lookup(user);
    if (found.known === true || (found.known === null && (await alsoKnown(user)))) withoutActive.push(user);
    else unknown.push({ user, suggestions: found.user !== undefined ? [{ user: found.user, live: found.live, why: found.how ?? 'case' }, ...found.suggestions] : found.suggestions });
  }
  return { withoutActive, unknown };
}

/** "did you mean alice (19 live) or alicia.m (2 live)?", or why there is nothing to offer. */
export function didYouMean(suggestions: readonly UserSuggestion[]): string {
  if (suggestions.length === 0) return 'no user of that name has live sessions in this store';
  const names = suggestions.map((s) => `${s.user} (${s.live} live)`);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return `did you mean ${list}?`;
}
