/**
 * Keys for the rows the sessions table draws. A row is keyed by a slot rather than by its
 * session, so that when a session leaves the rows drawn and another takes its place (a keystroke
 * in the search box replaces most of them) the new one is drawn into the old one's elements
 * instead of React removing one row and building another: about 17 elements a row, some 40 rows.
 *
 * - A session still drawn keeps its slot, wherever it moved: its elements, and keyboard focus in
 *   them, stay with it.
 * - A session newly drawn takes the slot of the session that was drawn at the same place and has
 *   left, so the elements do not move. Otherwise it takes a slot never used before: a slot freed
 *   elsewhere would move its row across the others (React moves every row between, scrolling
 *   up), and a fresh one costs what keying by session cost.
 * - The session whose row holds keyboard focus (`focused`) never hands its slot on: focus would
 *   be left on another session's checkbox or button. Its row is removed, as keyed by session.
 */
export interface RowSlots {
  /** The sessions drawn, in order, by id. */
  readonly ids: readonly string[];
  /** Each drawn session's slot. */
  readonly slots: ReadonlyMap<string, number>;
  /** Every slot below this has been used. */
  readonly next: number;
}

export const NO_SLOTS: RowSlots = { ids: [], slots: new Map(), next: 0 };

/** The slots of the sessions drawn now (`ids`, unique), from those drawn before. */
export function assignSlots(before: RowSlots, ids: readonly string[], focused: string | null): RowSlots {
  const drawn = new Set(ids);
  const slots = new Map<string, number>();
  let next = before.next;
  ids.forEach((id, place) => {
    const kept = before.slots.get(id);
    if (kept !== undefined) {
      slots.set(id, kept);
      return;
    }
    const left = before.ids[place];
    const handed = left !== undefined && left !== focused && !drawn.has(left) ? before.slots.get(left) : undefined;
    slots.set(id, handed ?? next++);
  });
  return { ids, slots, next };
}
