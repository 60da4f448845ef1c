import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignSlots, NO_SLOTS, type RowSlots } from '../../src-renderer/src/features/sessions/row-slots';

/**
 * The sessions table keys its rows by slot (row-slots.ts): a session keeps its slot while drawn,
 * a newly drawn one takes the slot of the one that left the same place, and the row holding
 * keyboard focus never hands its slot to another session.
 */

const keysOf = (slots: RowSlots) => slots.ids.map((id) => slots.slots.get(id));

describe('row slots', () => {
  it('draws a search that replaces every row into the same elements, in place', () => {
    const before = assignSlots(NO_SLOTS, ['a', 'b', 'c', 'd'], null);
    const after = assignSlots(before, ['w', 'x', 'y', 'z'], null);
    expect(keysOf(after)).toEqual(keysOf(before));
  });

  it('gives a row scrolled into view a slot never used, whichever way the table scrolls', () => {
    const first = assignSlots(NO_SLOTS, ['a', 'b', 'c', 'd'], null);
    const down = assignSlots(first, ['b', 'c', 'd', 'e'], null);
    expect(keysOf(down)).toEqual([1, 2, 3, 4]);
    const up = assignSlots(down, ['a', 'b', 'c', 'd'], null);
    expect(keysOf(up)).toEqual([5, 1, 2, 3]);
  });

  it('keeps a moved row its slot and takes the freed slot at the place of one that left', () => {
    const before = assignSlots(NO_SLOTS, ['a', 'b', 'c', 'd'], null);
    // c moved up to b's place; x took a's place, y c's (c is still drawn), z d's.
    const after = assignSlots(before, ['x', 'c', 'y', 'z'], null);
    expect(keysOf(after)).toEqual([0, 2, 4, 3]);
  });

  it('never hands the focused row to another session', () => {
    const before = assignSlots(NO_SLOTS, ['a', 'b', 'c'], 'b');
    const after = assignSlots(before, ['x', 'y', 'z'], 'b');
    expect(keysOf(after)).toEqual([0, 3, 2]);
  });

  it('keeps every slot unique, and every session its slot while drawn, over any sequence of views', () => {
    const view = fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 12 }).map((ns) => ns.map((n) => `s${n}`));
    const step = fc.record({ ids: view, focused: fc.option(fc.integer({ min: 0, max: 30 }).map((n) => `s${n}`)) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        let slots = NO_SLOTS;
        const everUsed = new Set<number>();
        for (const { ids, focused } of steps) {
          const next = assignSlots(slots, ids, focused);
          const keys = keysOf(next);
          expect(new Set(keys).size).toBe(ids.length);
          ids.forEach((id, place) => {
            const slot = next.slots.get(id) as number;
            const had = slots.slots.get(id);
            if (had !== undefined) {
              expect(slot).toBe(had);
              return;
            }
            // A new row's slot is a fresh one, or that of the row that left its place.
            const left = slots.ids[place];
            if (everUsed.has(slot)) {
              expect(left).toBeDefined();
              expect(ids).not.toContain(left);
              expect(slots.slots.get(left as string)).toBe(slot);
            }
          });
          // The focused session's slot, once it has left, is not drawn for anyone else.
          const focusedSlot = focused === null ? undefined : slots.slots.get(focused);
          if (focusedSlot !== undefined && focused !== null && !ids.includes(focused)) expect(keys).not.toContain(focusedSlot);
          for (const key of keys) everUsed.add(key as number);
          slots = next;
        }
      }),
      { numRuns: 400 },
    );
  });
});
