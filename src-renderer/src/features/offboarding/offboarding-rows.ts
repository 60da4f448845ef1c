import type { RequestedName, UserPreview } from '../../../../src-shared/revocation';

/** One requested name of the list, with what the store holds for it. */
export interface ListRow {
  /** The name as the list gave it. */
  typed: string;
  preview: UserPreview;
  /** The operator chose this user from the suggestions for an unknown name. */
  picked: boolean;
}

/**
 * The list's rows from a preview: each typed name looked up as itself, or as the user the
 * operator picked for it. Null while the preview does not cover every name yet.
 */
export function rowsOf(names: readonly string[], picks: ReadonlyMap<string, string>, preview: readonly UserPreview[]): ListRow[] | null {
  const byAsked = new Map(preview.map((p) => [p.requested, p]));
  const rows: ListRow[] = [];
  for (const typed of names) {
    const found = byAsked.get(picks.get(typed) ?? typed);
    if (!found) return null;
    rows.push({ typed, preview: found, picked: picks.has(typed) });
  }
  return rows;
}

/** What is asked of the store for a list: each name, or the user picked for it, once. */
export function askedNames(names: readonly string[], picks: ReadonlyMap<string, string>): string[] {
  return [...new Set(names.map((n) => picks.get(n) ?? n))];
}

/** The store users a list names (each once, in list order), and their live sessions in all. */
export function knownUsers(rows: readonly ListRow[]): { users: string[]; sessions: number } {
  const seen = new Map<string, number>();
  for (const r of rows) if (r.preview.known && !seen.has(r.preview.user)) seen.set(r.preview.user, r.preview.activeSessions);
  return { users: [...seen.keys()], sessions: [...seen.values()].reduce((a, b) => a + b, 0) };
}

/** Every requested name, matched to the store's user or null (unknown): what the run records. */
export function requestedNames(rows: readonly ListRow[]): RequestedName[] {
  return rows.map((r) => ({ name: r.typed, user: r.preview.known ? r.preview.user : null }));
}

export function plural(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`}`;
}
