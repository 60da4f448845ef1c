import type { Session } from '../../../../src-shared/session';
import type { SessionField } from '../../../../src-shared/store-capabilities';
import type { LoadedRows } from './loaded-rows';
import { fieldText } from './session-fields';

/** The text fields the search box looks at, besides the id (the store says which in its placeholder). */
const SEARCHED_FIELDS: readonly SessionField[] = ['user', 'email', 'profile', 'deviceId', 'sourceIdentity', 'serverInstanceId', 'ipAddress', 'userAgent'];

function searchText(s: Session): string {
  return [s.id, ...SEARCHED_FIELDS.map((field) => fieldText(s, field))].join('\n').toLowerCase();
}

/**
 * Search text kept per session object: a refresh keeps the objects it did not re-read, so their
 * text is not made again when the rows are rebuilt around them.
 */
const sessionTexts = new WeakMap<Session, string>();
function searchTextOf(s: Session): string {
  let text = sessionTexts.get(s);
  if (text === undefined) {
    text = searchText(s);
    sessionTexts.set(s, text);
  }
  return text;
}

/**
 * Each list of loaded rows' search texts by row position: a keystroke reads an array, not a
 * WeakMap per row (which took twice as long at 100,000 rows). A hole is a text not made yet.
 */
const listTexts = new WeakMap<LoadedRows, (string | undefined)[]>();

function textsOf(list: LoadedRows): (string | undefined)[] {
  let texts = listTexts.get(list);
  if (texts === undefined) {
    texts = new Array<string | undefined>(list.rows.length);
    listTexts.set(list, texts);
  }
  return texts;
}

/**
 * Gives rows built from `before` (see `loadedRows`) the texts `before` has for the rows they kept
 * in the same places (`list.kept` of them), so a page appended makes texts for its own rows only.
 */
export function inheritSearchTexts(list: LoadedRows, before: LoadedRows | null): void {
  const was = before === null ? undefined : listTexts.get(before);
  if (was === undefined || list.kept === 0 || listTexts.has(list)) return;
  const texts = was.slice(0, list.kept);
  texts.length = list.rows.length;
  listTexts.set(list, texts);
}

/**
 * Makes the search texts of `list`'s rows from row `from` while `more()` says there is time
 * (asked every 200 rows): returns the row it stopped at (the number of rows when done).
 */
export function makeSearchTexts(list: LoadedRows, from: number, more: () => boolean): number {
  const { rows } = list;
  const texts = textsOf(list);
  let next = from;
  while (next < rows.length && more()) {
    const end = Math.min(rows.length, next + 200);
    for (; next < end; next += 1) texts[next] ??= searchTextOf(rows[next] as Session);
  }
  return next;
}

/** The last search of each list of loaded rows: the needle, and the positions and rows it found. */
const lastSearch = new WeakMap<LoadedRows, { needle: string; at: number[]; found: Session[] }>();

/**
 * The loaded rows whose search text holds `search` (any case), in their order. A needle that
 * holds the last one searched in the same rows (a key typed at its end, or anywhere in it) can
 * only match rows that one matched: only those are looked through again.
 */
export function searchWithin(list: LoadedRows, search: string): Session[] {
  const needle = search.trim().toLowerCase();
  if (!needle) return list.rows;
  const { rows } = list;
  const texts = textsOf(list);
  const last = lastSearch.get(list);
  const at: number[] = [];
  const found: Session[] = [];
  const look = (i: number) => {
    const row = rows[i] as Session;
    if ((texts[i] ??= searchTextOf(row)).includes(needle)) {
      at.push(i);
      found.push(row);
    }
  };
  if (last !== undefined && needle.includes(last.needle)) for (const i of last.at) look(i);
  else for (let i = 0; i < rows.length; i += 1) look(i);
  lastSearch.set(list, { needle, at, found });
  return found;
}
