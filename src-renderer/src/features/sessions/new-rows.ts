import { useState } from 'react';
import type { Session } from '../../../../src-shared/session';

/**
 * Of the rows the screen found added since its last look (`added`), the sessions that are really
 * new: created after every row that was already there. Rows of a page loaded on scroll are
 * older than everything above them, and a row that slid in at the end after another left the
 * filter is old too: neither is a new session. Times are the store's (normalised to nine
 * fraction digits, so they compare as strings). With nothing there before, nothing is new.
 */
export function reallyNew(sessions: readonly Session[], added: ReadonlySet<string>): Set<string> {
  let newestKnown: string | null = null;
  for (const s of sessions) {
    if (added.has(s.id) || s.createdAt === null) continue;
    if (newestKnown === null || s.createdAt > newestKnown) newestKnown = s.createdAt;
  }
  const fresh = new Set<string>();
  if (newestKnown === null) return fresh;
  for (const s of sessions) {
    if (added.has(s.id) && s.createdAt !== null && s.createdAt > newestKnown) fresh.add(s.id);
  }
  return fresh;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The rows to highlight as new sessions, from the screen's "added since the last look" set.
 * Decided once per such set (when a load adds rows), against the rows there at that moment. A
 * load that adds only older rows (the next page) keeps the current highlight; an empty set (the
 * filter changed) clears it.
 */
export function useNewRows(sessions: readonly Session[], added: ReadonlySet<string>): ReadonlySet<string> {
  const [decided, setDecided] = useState<{ added: ReadonlySet<string>; shown: ReadonlySet<string> }>({ added: NONE, shown: NONE });
  if (added === decided.added) return decided.shown;
  // A new set from the screen: decide now (React's "state from the previous render" pattern).
  const found = added.size === 0 ? NONE : reallyNew(sessions, added);
  const shown = added.size === 0 || found.size > 0 ? found : decided.shown;
  setDecided({ added, shown });
  return shown;
}
