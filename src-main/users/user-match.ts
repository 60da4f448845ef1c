import { MAX_USER_SUGGESTIONS, type UserSuggestion } from '../../src-shared/users';

/** One user the store holds live sessions for, as the directory gathered it. */
export interface DirectoryUser {
  /** The name exactly as the store holds it. */
  user: string;
  live: number;
  /** E-mail addresses seen on the user's sessions (web sessions carry one; Sentinel's do not). */
  emails: readonly string[];
}

export type UserMatch =
  | { match: 'exact'; user: string; live: number }
  | { match: 'resolved'; user: string; live: number; how: 'case' | 'email' }
  | { match: 'none' };

/**
 * What a typed name means among the users the store holds. Exact first; then exactly one user
 * equal ignoring case, or exactly one whose e-mail is the text (or, for an e-mail typed against a
 * store without e-mails, whose name is its local part). Two candidates are never guessed between.
 */
export function matchUser(typed: string, users: readonly DirectoryUser[]): UserMatch {
  const text = typed.trim();
  const exact = users.find((u) => u.user === text);
  if (exact) return { match: 'exact', user: exact.user, live: exact.live };
  const folded = fold(text);
  const byCase = users.filter((u) => fold(u.user) === folded);
  if (byCase.length === 1 && byCase[0]) return { match: 'resolved', user: byCase[0].user, live: byCase[0].live, how: 'case' };
  if (byCase.length > 1) return { match: 'none' };
  const byEmail = emailMatches(folded, users);
  if (byEmail.length === 1 && byEmail[0]) return { match: 'resolved', user: byEmail[0].user, live: byEmail[0].live, how: 'email' };
  return { match: 'none' };
}

/**
 * The closest names to what was typed, best first: same name in another case, the owner of an
 * e-mail, names that start with or contain the text, then near spellings (a few edits away,
 * scaled to the length). Ties go to the user with more live sessions.
 */
export function suggestUsers(typed: string, users: readonly DirectoryUser[], max = MAX_USER_SUGGESTIONS): UserSuggestion[] {
  const text = fold(typed.trim());
  if (!text) return [];
  const local = localPart(text);
  const email = new Set(emailMatches(text, users).map((u) => u.user));
  const allowed = Math.max(1, Math.floor(text.length / 4));
  const allowedLocal = Math.max(1, Math.floor(local.length / 4));
  const scored: { suggestion: UserSuggestion; rank: number }[] = [];
  for (const u of users) {
    if (u.user === typed.trim()) continue;
    const name = fold(u.user);
    let why: UserSuggestion['why'] | null = null;
    let rank = 0;
    if (name === text) why = 'case';
    else if (email.has(u.user)) [why, rank] = ['email', 1];
    else if (text.length >= 3 && u.emails.some((e) => fold(e).startsWith(text))) [why, rank] = ['email', 2];
    else if (name.startsWith(text) || name.startsWith(local)) [why, rank] = ['prefix', 2];
    else if (text.length >= 3 && name.includes(text)) [why, rank] = ['prefix', 3];
    else {
      // Lengths first: most names are too long or too short to be a few edits away.
      const byText = Math.abs(name.length - text.length) <= allowed ? editDistance(text, name) : Infinity;
      const byLocal = local !== text && Math.abs(name.length - local.length) <= allowedLocal ? editDistance(local, name) : Infinity;
      const distance = Math.min(byText <= allowed ? byText : Infinity, byLocal <= allowedLocal ? byLocal : Infinity);
      if (distance !== Infinity) [why, rank] = ['similar', 3 + distance];
    }
    if (why) scored.push({ suggestion: { user: u.user, live: u.live, why }, rank });
  }
  scored.sort((a, b) => a.rank - b.rank || b.suggestion.live - a.suggestion.live || (a.suggestion.user < b.suggestion.user ? -1 : 1));
  return scored.slice(0, max).map((s) => s.suggestion);
}

/** Case only: no Unicode normalisation, which would equate look-alikes such as full-width letters. */
function fold(text: string): string {
  return text.toLowerCase();
}

function localPart(text: string): string {
  const at = text.lastIndexOf('@');
  return at > 0 ? text.slice(0, at) : text;
}

/**
 * Users an e-mail address names: by a recorded e-mail; in a store that records no e-mails at all
 * (Sentinel), by the local part. Where e-mails are recorded, an address nobody has is nobody's:
 * `j.smith@contractor.example` is not the `j.smith` whose address is `j.smith@corp.example`.
 */
function emailMatches(folded: string, users: readonly DirectoryUser[]): DirectoryUser[] {
  if (!folded.includes('@')) return [];
  if (users.some((u) => u.emails.length > 0)) return users.filter((u) => u.emails.some((e) => fold(e) === folded));
  const local = localPart(folded);
  return users.filter((u) => fold(u.user) === local);
}

/** Damerau-Levenshtein (optimal string alignment) distance: a swapped pair of letters is one edit. */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    const row = rows[i] as number[];
    const prev = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}
