import { describe, expect, it } from 'vitest';
import type { SessionsPage } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { hasRow, loadedRows, rowOf, type LoadedRows } from '../../src-renderer/src/features/sessions/loaded-rows';
import { sessionAt as session } from '../fixtures/loaded-sessions';

const page = (sessions: Session[]): SessionsPage => ({ sessions });

/** What the rows must be, built the plain way: every page walked, each id once, first place wins. */
function expected(pages: readonly SessionsPage[]): string[] {
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const p of pages) for (const s of p.sessions) if (!seen.has(s.id)) ids.push((seen.add(s.id), s.id));
  return ids;
}

/** Every row findable by its id, and no id of another version. */
function checkIndex(loaded: LoadedRows, others: readonly string[]) {
  for (const s of loaded.rows) {
    expect(hasRow(loaded, s.id)).toBe(true);
    expect(rowOf(loaded, s.id)).toBe(s);
  }
  const ids = new Set(loaded.rows.map((s) => s.id));
  for (const id of others) if (!ids.has(id)) expect(hasRow(loaded, id)).toBe(false);
}

/** Newest first, as the store lists them: page p holds sessions created before page p-1's. */
function pagesOf(count: number, size: number, start = 10_000): SessionsPage[] {
  return Array.from({ length: count }, (_, p) => page(Array.from({ length: size }, (_, i) => session(start - p * size - i))));
}

describe('loaded rows', () => {
  it('appends each page without losing or repeating a row, a session on two pages once, and each version still answers for its own rows', () => {
    const pages = pagesOf(40, 25);
    // A SCAN returns some sessions twice: the last row of a page again on the next, and one from ten pages back.
    for (let p = 1; p < pages.length; p += 1) {
      const before = (pages[p - 1] as SessionsPage).sessions;
      const again = [before.at(-1) as Session, ...(p >= 10 ? [(pages[p - 10] as SessionsPage).sessions[3] as Session] : [])];
      pages[p] = page([...again, ...(pages[p] as SessionsPage).sessions]);
    }
    const versions: LoadedRows[] = [];
    let loaded: LoadedRows | null = null;
    for (let n = 1; n <= pages.length; n += 1) {
      loaded = loadedRows(pages.slice(0, n), loaded);
      versions.push(loaded);
      expect(loaded.rows.map((s) => s.id)).toEqual(expected(pages.slice(0, n)));
      expect(loaded.kept).toBe(n === 1 ? 0 : (versions[n - 2] as LoadedRows).rows.length);
      // Rows of a page loaded on scroll are older than every row above them: none is new.
      expect(loaded.arrived).toEqual([]);
    }
    const all = expected(pages);
    expect(all).toHaveLength(40 * 25);
    expect(versions.at(-1)?.disjoint).toBe(false);
    // Every version, older ones too, knows exactly its own rows though they share one index.
    for (const v of versions) checkIndex(v, all);
    // Each appended version added only its page's new ids.
    for (let n = 1; n < versions.length; n += 1) {
      const was = new Set((versions[n - 1] as LoadedRows).rows.map((s) => s.id));
      expect((versions[n] as LoadedRows).added).toEqual((versions[n] as LoadedRows).rows.map((s) => s.id).filter((id) => !was.has(id)));
    }
  });

  it('appends to an older version (the list went back to it) without corrupting the newer one', () => {
    const pages = pagesOf(4, 10);
    const two = loadedRows(pages.slice(0, 2), loadedRows(pages.slice(0, 1), null));
    const three = loadedRows(pages.slice(0, 3), two);
    // Another third page after the second, with some of the first third page's sessions and some new ones.
    const other = page([...(pages[2] as SessionsPage).sessions.slice(0, 3), session(500), session(499), (pages[0] as SessionsPage).sessions[0] as Session]);
    const branch = loadedRows([...pages.slice(0, 2), other], two);
    expect(branch.rows.map((s) => s.id)).toEqual(expected([...pages.slice(0, 2), other]));
    expect(three.rows.map((s) => s.id)).toEqual(expected(pages.slice(0, 3)));
    const ids = [...expected(pages), 's-500', 's-499'];
    checkIndex(branch, ids);
    checkIndex(three, ids);
    checkIndex(two, ids);
    // And each goes on appending correctly.
    const four = loadedRows([...pages.slice(0, 2), other, pages[3] as SessionsPage], branch);
    expect(four.rows.map((s) => s.id)).toEqual(expected([...pages.slice(0, 2), other, pages[3] as SessionsPage]));
    checkIndex(four, ids);
    const threeFour = loadedRows(pages, three);
    expect(threeFour.rows.map((s) => s.id)).toEqual(expected(pages));
    checkIndex(threeFour, ids);
  });

  it('swaps rows re-read in place, keeps the index, and appends after them', () => {
    const pages = pagesOf(3, 10);
    const two = loadedRows(pages.slice(0, 2), loadedRows(pages.slice(0, 1), null));
    const revoked = { ...((pages[1] as SessionsPage).sessions[4] as Session), status: 'revoked' as const };
    const reread = page((pages[1] as SessionsPage).sessions.map((s) => (s.id === revoked.id ? revoked : s)));
    const swapped = loadedRows([pages[0] as SessionsPage, reread], two);
    expect(swapped.rows.map((s) => s.id)).toEqual(two.rows.map((s) => s.id));
    expect(rowOf(swapped, revoked.id)).toBe(revoked);
    expect(rowOf(two, revoked.id)?.status).toBe('active');
    expect(swapped.added).toEqual([]);
    expect(swapped.kept).toBe(10);
    const three = loadedRows([pages[0] as SessionsPage, reread, pages[2] as SessionsPage], swapped);
    expect(three.rows.map((s) => s.id)).toEqual(expected(pages));
    expect(rowOf(three, revoked.id)).toBe(revoked);
    checkIndex(three, expected(pages));
  });

  it('tells new sessions at the head apart from rows that only slid in (arrived)', () => {
    const pages = pagesOf(2, 10, 100);
    const first = loadedRows(pages, loadedRows(pages.slice(0, 1), null));
    // Nothing loaded before: nothing is new.
    expect(loadedRows(pages, null).arrived).toEqual([]);
    // A tick: two new sessions on top, one row gone, and an older row slid in at the end of the first page.
    const top = [session(200), session(199)];
    const gone = (pages[0] as SessionsPage).sessions[2] as Session;
    const slid = session(50);
    const ticked = [page([...top, ...(pages[0] as SessionsPage).sessions.filter((s) => s !== gone), slid]), pages[1] as SessionsPage];
    const after = loadedRows(ticked, first);
    expect(after.rows.map((s) => s.id)).toEqual(expected(ticked));
    expect(after.added).toEqual(['s-200', 's-199', 's-50']);
    expect(after.arrived).toEqual(['s-200', 's-199']);
    expect(hasRow(after, gone.id)).toBe(false);
    checkIndex(after, [...expected(pages), 's-200', 's-199', 's-50']);
    // The next page loaded after that: old rows, not new ones.
    const more = loadedRows([...ticked, page([session(10), session(9)])], after);
    expect(more.added).toEqual(['s-10', 's-9']);
    expect(more.arrived).toEqual([]);
    // A page loaded on scroll that holds a session newer than every loaded row (it started meanwhile) is new.
    const newer = loadedRows([...ticked, page([session(300)])], after);
    expect(newer.arrived).toEqual(['s-300']);
  });
  it('a session dated in the future (a store clock ahead, a forged time) sets no threshold: a real new session after it is still new, and it is new itself when it arrives', () => {
    const now = Date.parse('2026-12-01T08:00:00.000Z');
    const forged = session(900, { id: 'forged', createdAt: '2099-01-01T00:00:00.000000000Z' });
    const old = session(1, { createdAt: '2026-12-01T07:00:00.000000000Z' });
    const first = loadedRows([page([forged, old])], null, now);
    expect(first.newest).toBe('2026-12-01T07:00:00.000000000Z');
    // The head poll: the attacker's new login lists below the forged one (newest first).
    const fresh = session(2, { id: 'attacker-login', createdAt: '2026-12-01T07:59:00.000000000Z' });
    const ticked = loadedRows([page([forged, fresh, old])], first, now);
    expect([ticked.added, ticked.arrived]).toEqual([['attacker-login'], ['attacker-login']]);
    // Within the tolerance a time is believed (a store clock a little ahead).
    const ahead = session(3, { id: 'ahead', createdAt: '2026-12-01T08:04:00.000000000Z' });
    const aheadTicked = loadedRows([page([forged, ahead, fresh, old])], ticked, now);
    expect([aheadTicked.arrived, aheadTicked.newest]).toEqual([['ahead'], '2026-12-01T08:04:00.000000000Z']);
    // A forged one arriving is itself new; it does not hide the next real one. Also when pages are appended.
    const later = loadedRows([page([forged, ahead, fresh, old]), page([session(4, { id: 'forged-2', createdAt: '2098-01-01T00:00:00.000000000Z' })])], aheadTicked, now);
    expect([later.arrived, later.newest]).toEqual([['forged-2'], '2026-12-01T08:04:00.000000000Z']);
  });
});
