import type { SessionsPage } from '../../../../src-shared/contract';
import type { Session } from '../../../../src-shared/session';

/**
 * Where each loaded id sits in the rows. Shared by the versions of the rows that were appended
 * one from another (each holds a prefix of the newest one's rows, in the same places), so a page
 * appended adds its own ids rather than copying every loaded one: the index may hold ids of later
 * versions, which `hasRow` tells apart by their place. Only the newest version (`tip`) writes to
 * it; appending to an older one makes a new index.
 */
interface RowIndex {
  readonly at: Map<string, number>;
  tip: LoadedRows | null;
}

/** What the loaded rows were built from, and how (see `loadedRows`). */
export interface LoadedRows {
  readonly pages: readonly SessionsPage[];
  /** Each id once, in the order the pages list them. */
  readonly rows: Session[];
  readonly index: RowIndex;
  /** No id was on two pages: row i of page p is rows[offset of p + i]. */
  readonly disjoint: boolean;
  /** Ids not in the rows these were built from (a page loaded, new sessions at the head). */
  readonly added: readonly string[];
  /**
   * Of `added`, the sessions that are really new: created after every row that was already
   * there. Rows of a page loaded on scroll are older than everything above them, and a row that
   * slid in at the end after another left the filter is old too: neither is a new session. With
   * nothing there before, nothing is new.
   */
  readonly arrived: readonly string[];
  /**
   * The latest creation time among the rows (the store's, nine fraction digits: they compare as
   * strings), leaving out any later than the clock allows (FUTURE_TOLERANCE_MS).
   */
  readonly newest: string | null;
  /** How many rows at the start are the same objects, in the same places, as in the rows these were built from. */
  readonly kept: number;
  /** The length of the longest loaded id (the id column is sized to show it whole). */
  readonly longestId: number;
}

/**
 * A creation time later than now by more than this (a store's clock far ahead, or a time forged in
 * the store) is not taken as the newest known: else one such row would make no later real session
 * ever count as new while it is loaded, hiding an attacker's fresh login from the highlight.
 */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** The latest creation time believable at `nowMs`, in the store's form (nine fraction digits). */
function ceilingAt(nowMs: number): string {
  return new Date(nowMs + FUTURE_TOLERANCE_MS).toISOString().replace(/Z$/, '000000Z');
}

/** Whether a session of this id is among these rows. */
export function hasRow(loaded: LoadedRows, id: string): boolean {
  const at = loaded.index.at.get(id);
  return at !== undefined && at < loaded.rows.length;
}

/** The loaded session of this id, if any. */
export function rowOf(loaded: LoadedRows, id: string): Session | undefined {
  const at = loaded.index.at.get(id);
  return at !== undefined && at < loaded.rows.length ? loaded.rows[at] : undefined;
}

/**
 * The loaded rows of `pages`, each id once (a Redis SCAN may return a session on two pages),
 * built from the rows before them at the cost of what changed: a page loaded on scroll is
 * appended (its rows only are looked at; nothing loaded is copied but the array of rows); a
 * refresh that re-read rows in place (the same ids on each page) swaps those rows; anything else
 * (new sessions at the head, rows gone) walks every page once.
 */
export function loadedRows(pages: readonly SessionsPage[], before: LoadedRows | null, nowMs: number = Date.now()): LoadedRows {
  if (before !== null && before.disjoint && pages.length === before.pages.length) {
    const swapped = swapReread(pages, before);
    if (swapped) return swapped;
  }
  const ceiling = ceilingAt(nowMs);
  if (before !== null && pages.length > before.pages.length && before.pages.every((p, i) => pages[i] === p)) return append(pages, before, ceiling);
  return rebuild(pages, before, ceiling);
}

function append(pages: readonly SessionsPage[], before: LoadedRows, ceiling: string): LoadedRows {
  const index = before.index.tip === before ? before.index : indexOf(before.rows);
  const more: Session[] = [];
  let disjoint = before.disjoint;
  let position = before.rows.length;
  let newest = before.newest;
  let longestId = before.longestId;
  for (let p = before.pages.length; p < pages.length; p += 1) {
    for (const s of (pages[p] as SessionsPage).sessions) {
      // The index holds only these rows' ids (it is theirs, or new): any id in it is loaded.
      if (index.at.has(s.id)) {
        disjoint = false;
        continue;
      }
      index.at.set(s.id, position);
      position += 1;
      more.push(s);
      if (s.id.length > longestId) longestId = s.id.length;
      if (s.createdAt !== null && s.createdAt <= ceiling && (newest === null || s.createdAt > newest)) newest = s.createdAt;
    }
  }
  const known = before.newest;
  const loaded: LoadedRows = {
    pages,
    rows: before.rows.concat(more),
    index,
    disjoint,
    added: more.map((s) => s.id),
    arrived: known === null ? [] : more.filter((s) => s.createdAt !== null && s.createdAt > known).map((s) => s.id),
    newest,
    kept: before.rows.length,
    longestId,
  };
  index.tip = loaded;
  return loaded;
}

function rebuild(pages: readonly SessionsPage[], before: LoadedRows | null, ceiling: string): LoadedRows {
  const index: RowIndex = { at: new Map(), tip: null };
  const rows: Session[] = [];
  const added: Session[] = [];
  let disjoint = true;
  let newest: string | null = null;
  let longestId = 0;
  // The latest creation time among the rows that were already there: only later ones are new.
  let known: string | null = null;
  for (const page of pages) {
    for (const s of page.sessions) {
      if (index.at.has(s.id)) {
        disjoint = false;
        continue;
      }
      index.at.set(s.id, rows.length);
      rows.push(s);
      if (s.id.length > longestId) longestId = s.id.length;
      // Past the ceiling, a time is not believed: it sets no threshold (the row itself may still be new).
      const believable = s.createdAt !== null && s.createdAt <= ceiling;
      if (believable && (newest === null || (s.createdAt as string) > newest)) newest = s.createdAt;
      if (before === null) continue;
      if (!hasRow(before, s.id)) added.push(s);
      else if (believable && (known === null || (s.createdAt as string) > known)) known = s.createdAt;
    }
  }
  let kept = 0;
  while (before !== null && kept < rows.length && rows[kept] === before.rows[kept]) kept += 1;
  const loaded: LoadedRows = {
    pages,
    rows,
    index,
    disjoint,
    added: before === null ? rows.map((s) => s.id) : added.map((s) => s.id),
    arrived: known === null ? [] : added.filter((s) => s.createdAt !== null && s.createdAt > known).map((s) => s.id),
    newest,
    kept,
    longestId,
  };
  index.tip = loaded;
  return loaded;
}

function indexOf(rows: readonly Session[]): RowIndex {
  const at = new Map<string, number>();
  rows.forEach((s, i) => at.set(s.id, i));
  return { at, tip: null };
}

/** The pages with some rows re-read in place (same ids, same order on each changed page): those rows swapped. */
function swapReread(pages: readonly SessionsPage[], before: LoadedRows): LoadedRows | null {
  let rows: Session[] | null = null;
  let kept = before.rows.length;
  let offset = 0;
  for (let p = 0; p < pages.length; p += 1) {
    const now = pages[p] as SessionsPage;
    const was = before.pages[p] as SessionsPage;
    if (now !== was) {
      if (now.sessions.length !== was.sessions.length) return null;
      for (let i = 0; i < now.sessions.length; i += 1) if ((now.sessions[i] as Session).id !== (was.sessions[i] as Session).id) return null;
      rows ??= before.rows.slice();
      kept = Math.min(kept, offset);
      for (let i = 0; i < now.sessions.length; i += 1) rows[offset + i] = now.sessions[i] as Session;
    }
    offset += was.sessions.length;
  }
  // Same ids in the same places: the index (and the longest id) stays right for these rows as for those before.
  const loaded: LoadedRows = { ...before, pages, rows: rows ?? before.rows, added: [], arrived: [], kept };
  if (before.index.tip === before) before.index.tip = loaded;
  return loaded;
}
