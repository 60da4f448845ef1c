import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionsPage } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { hasRow, loadedRows, rowOf, type LoadedRows } from '../../src-renderer/src/features/sessions/loaded-rows';
import { sessionAt } from '../fixtures/loaded-sessions';

/**
 * The loaded rows share one id index along the versions appended one from another
 * (loaded-rows.ts). Whatever order the screen builds them in (a page appended, rows re-read in
 * place, a page dropped, other pages, from the newest version or from any older one the cache
 * hands back), every version must still answer for exactly its own rows, and tell the same new
 * sessions as the plain walk would.
 */

/** Session `n`, created at nanosecond n (newer for a larger n); `version` marks a re-read. */
const session = (n: number, version: number): Session => sessionAt(n, { user: `user-${version}` });

/** Each id once, first place wins. */
function plainIds(pages: readonly SessionsPage[]): string[] {
  const seen = new Set<string>();
  for (const p of pages) for (const s of p.sessions) seen.add(s.id);
  return [...seen];
}

/** The sessions new since `before` as the plain walk decides: added, and created after every row that was already there. */
function plainArrived(rows: readonly Session[], before: LoadedRows): string[] {
  const was = new Set(before.rows.map((s) => s.id));
  let known: string | null = null;
  for (const s of rows) if (was.has(s.id) && s.createdAt !== null && (known === null || s.createdAt > known)) known = s.createdAt;
  const threshold = known;
  return threshold === null ? [] : rows.filter((s) => !was.has(s.id) && s.createdAt !== null && s.createdAt > threshold).map((s) => s.id);
}

const IDS = 40;
const ids = fc.array(fc.integer({ min: 0, max: IDS }), { maxLength: 6 });
const step = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), from: fc.nat(), pages: fc.array(ids, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('reread' as const), from: fc.nat(), page: fc.nat() }),
  fc.record({ kind: fc.constant('other' as const), from: fc.nat(), pages: fc.array(ids, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('drop' as const), from: fc.nat() }),
);

describe('loaded rows, any sequence of loads (property)', () => {
  it('every version answers for exactly its own rows, kept rows are the same objects, and the new sessions and the longest id are the plain walk\'s', () => {
    fc.assert(
      fc.property(fc.array(ids, { minLength: 1, maxLength: 3 }), fc.array(step, { maxLength: 25 }), (first, steps) => {
        let version = 0;
        const pageOf = (ns: number[]): SessionsPage => ({ sessions: ns.map((n) => session(n, version)) });
        const versions: LoadedRows[] = [loadedRows(first.map(pageOf), null)];
        for (const s of steps) {
          version += 1;
          const before = versions[s.from % versions.length] as LoadedRows;
          let pages: SessionsPage[];
          if (s.kind === 'append') pages = [...before.pages, ...s.pages.map(pageOf)];
          else if (s.kind === 'drop') pages = before.pages.slice(0, -1);
          else if (s.kind === 'other') pages = s.pages.map(pageOf);
          else {
            if (before.pages.length === 0) continue;
            // The same ids re-read (a revocation's read-back): new objects in the same places.
            pages = [...before.pages];
            const at = s.page % pages.length;
            pages[at] = { sessions: (pages[at] as SessionsPage).sessions.map((x) => ({ ...x, user: `user-${version}` })) };
          }
          const next = loadedRows(pages, before);
          expect(next.rows.map((x) => x.id)).toEqual(plainIds(pages));
          expect([...next.arrived].sort()).toEqual(plainArrived(next.rows, before).sort());
          for (let i = 0; i < next.kept; i += 1) expect(next.rows[i]).toBe(before.rows[i]);
          expect(next.longestId).toBe(Math.max(0, ...next.rows.map((x) => x.id.length)));
          versions.push(next);
        }
        // Checked once every version is built: a later one must not have changed what an earlier one answers.
        for (const v of versions) {
          const own = new Map(v.rows.map((x) => [x.id, x] as const));
          for (let n = 0; n <= IDS; n += 1) {
            expect(hasRow(v, `s-${n}`)).toBe(own.has(`s-${n}`));
            expect(rowOf(v, `s-${n}`)).toBe(own.get(`s-${n}`));
          }
          expect(v.rows.map((x) => x.id)).toEqual(plainIds(v.pages));
          expect(v.longestId).toBe(Math.max(0, ...v.rows.map((x) => x.id.length)));
        }
      }),
      { numRuns: 400 },
    );
  });
});
