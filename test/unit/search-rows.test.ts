import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionsPage } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { loadedRows, type LoadedRows } from '../../src-renderer/src/features/sessions/loaded-rows';
import { inheritSearchTexts, makeSearchTexts, searchWithin } from '../../src-renderer/src/features/sessions/search-rows';
import { sessionAt } from '../fixtures/loaded-sessions';

/**
 * The search box keeps each list of loaded rows' search texts by row position, hands a list built
 * from another the texts of the rows it kept in place, makes the rest while idle or when searched,
 * and narrows a needle typed on from the last one's matches (search-rows.ts). Whatever the screen
 * does in between (a page appended, rows re-read in place with new values, new sessions at the
 * head, a page dropped, an older list handed back by its cache), a search must find exactly the
 * rows the plain way finds: every loaded row whose id or text fields hold the needle, any case.
 */

const FIELDS = ['id', 'user', 'email', 'profile', 'deviceId', 'sourceIdentity', 'serverInstanceId', 'ipAddress', 'userAgent'] as const;

function plainSearch(rows: readonly Session[], search: string): string[] {
  const needle = search.trim().toLowerCase();
  if (!needle) return rows.map((s) => s.id);
  return rows.filter((s) => FIELDS.some((f) => String(s[f] ?? '').toLowerCase().includes(needle))).map((s) => s.id);
}

/** As the screen builds its rows (useLoadedRows): a list per pages seen, built from the last one shown. */
function screen() {
  const cache = new Map<readonly SessionsPage[], LoadedRows>();
  let last: LoadedRows | null = null;
  return (pages: readonly SessionsPage[]): LoadedRows => {
    let built = cache.get(pages);
    if (built === undefined) {
      built = loadedRows(pages, last);
      inheritSearchTexts(built, last);
      cache.set(pages, built);
    }
    last = built;
    return built;
  };
}

const page = (sessions: Session[]): SessionsPage => ({ sessions });
const LETTERS = ['a', 'B', 'c', '1', '2', '-'];
const word = fc.string({ unit: fc.constantFrom(...LETTERS), maxLength: 4 });

type Step =
  | { kind: 'append'; values: string[] }
  | { kind: 'reread'; page: number; values: string[] }
  | { kind: 'head'; values: string[] }
  | { kind: 'drop' }
  | { kind: 'back'; to: number }
  | { kind: 'idle'; from: number; rows: number }
  | { kind: 'type'; needle: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), values: fc.array(word, { minLength: 1, maxLength: 5 }) }),
  fc.record({ kind: fc.constant('reread' as const), page: fc.nat(), values: fc.array(word, { minLength: 1, maxLength: 5 }) }),
  fc.record({ kind: fc.constant('head' as const), values: fc.array(word, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('drop' as const) }),
  fc.record({ kind: fc.constant('back' as const), to: fc.nat() }),
  fc.record({ kind: fc.constant('idle' as const), from: fc.nat({ max: 30 }), rows: fc.nat({ max: 300 }) }),
  // A needle typed key by key: each prefix is searched in turn, as the box narrows.
  fc.record({ kind: fc.constant('type' as const), needle: fc.string({ unit: fc.constantFrom(...LETTERS, ' '), maxLength: 5 }) }),
);

describe('search within the loaded rows', () => {
  it('finds exactly the rows the plain search finds, whatever was loaded, re-read, dropped or made while idle before', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const build = screen();
        let oldest = 1_000_000;
        let newest = 1_000_001;
        const made = (n: number, value: string, version: number) => sessionAt(n, { deviceId: `d${value}`, user: `u${version}${value}`, sourceIdentity: value });
        let version = 0;
        let pages: readonly SessionsPage[] = [page([made(newest, 'a', 0)])];
        const history: (readonly SessionsPage[])[] = [pages];
        let list = build(pages);
        for (const s of steps) {
          version += 1;
          if (s.kind === 'append') pages = [...pages, page(s.values.map((v) => made((oldest -= 1), v, version)))];
          else if (s.kind === 'reread') {
            const p = s.page % pages.length;
            const was = (pages[p] as SessionsPage).sessions;
            // The same ids in the same places, with other values: the rows are swapped in place.
            pages = pages.map((pg, i) => (i === p ? page(was.map((old, j) => ({ ...old, deviceId: `d${s.values[j % s.values.length]}`, user: `u${version}` }))) : pg));
          } else if (s.kind === 'head') pages = [page([...s.values.map((v) => made((newest += 1), v, version)), ...(pages[0] as SessionsPage).sessions]), ...pages.slice(1)];
          else if (s.kind === 'drop' && pages.length > 1) pages = pages.slice(0, -1);
          else if (s.kind === 'back') pages = history[s.to % history.length] as readonly SessionsPage[];
          if (s.kind !== 'idle' && s.kind !== 'type') {
            history.push(pages);
            list = build(pages);
          }
          if (s.kind === 'idle') {
            let budget = s.rows;
            makeSearchTexts(list, Math.min(s.from, list.rows.length), () => (budget -= 200) >= -200);
          }
          if (s.kind === 'type') {
            for (let k = 1; k <= s.needle.length; k += 1) {
              const needle = s.needle.slice(0, k);
              expect(searchWithin(list, needle).map((r) => r.id)).toEqual(plainSearch(list.rows, needle));
            }
          }
          // A search of each list in turn: one made before this step must still answer for its own rows.
          const probe = LETTERS[version % LETTERS.length] as string;
          expect(searchWithin(list, probe).map((r) => r.id)).toEqual(plainSearch(list.rows, probe));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('narrows a needle typed on from the last matches, and widens again when a key is taken back', () => {
    const rows = Array.from({ length: 30 }, (_, i) => sessionAt(i, { deviceId: `laptop-${i}`, email: i % 3 === 0 ? `Ops${i}@Example.com` : undefined }));
    const list = loadedRows([page(rows)], null);
    expect(searchWithin(list, 'laptop-1').map((s) => s.deviceId)).toEqual(['laptop-1', ...Array.from({ length: 10 }, (_, i) => `laptop-${10 + i}`)]);
    expect(searchWithin(list, 'laptop-12').map((s) => s.deviceId)).toEqual(['laptop-12']);
    expect(searchWithin(list, 'laptop-2').map((s) => s.deviceId)).toEqual(['laptop-2', ...Array.from({ length: 10 }, (_, i) => `laptop-${20 + i}`)]);
    // Any case, any field, surrounding spaces ignored; nothing typed shows every row.
    expect(searchWithin(list, '  OPS2 ').map((s) => s.email)).toEqual(['Ops21@Example.com', 'Ops24@Example.com', 'Ops27@Example.com']);
    expect(searchWithin(list, '')).toBe(list.rows);
  });

  it('makes the texts from where it is told, as long as it is given time, and says where it stopped', () => {
    const rows = Array.from({ length: 1_000 }, (_, i) => sessionAt(i));
    const list = loadedRows([page(rows)], null);
    let asked = 0;
    expect(makeSearchTexts(list, 100, () => (asked += 1) <= 2)).toBe(500);
    expect(makeSearchTexts(list, 500, () => true)).toBe(1_000);
    expect(makeSearchTexts(list, 1_000, () => true)).toBe(1_000);
  });
});
