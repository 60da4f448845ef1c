import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GENESIS, hashOfLine, LedgerEntrySchema, type LedgerEntry } from '../ledger/ledger-entry';

export { GENESIS } from '../ledger/ledger-entry';

/**
 * One entry of the team chain: a local ledger entry exactly as its device wrote it (its own seq,
 * prev and hash, the operator's full principal among its fields), which device wrote it, and the
 * team chain's own position and link. The local entry witnesses the team one and back: a device
 * finds each of its entries on the team chain, and each team entry's `entry.hash` must be the
 * hash of the very fields it carries.
 */
export const TeamEntrySchema = z.strictObject({
  seq: z.number().int().positive(),
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  /** The writing desk: its machine, OS user and data directory, as an id (see `deviceId`). */
  device: z.string().regex(/^[0-9a-f-]{36}$/),
  entry: LedgerEntrySchema,
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type TeamEntry = z.infer<typeof TeamEntrySchema>;

/** Where the team chain stands: its last entry, or 0 and the genesis hash when it is empty. */
export interface TeamHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: TeamHead = { seq: 0, hash: GENESIS };

/**
 * The team entry for a local one at position `seq` after `prev`; its hash covers every other field.
 * `local` must be the line's object as parsed, keys in the order written (not a schema's copy).
 */
export function sealTeamEntry(local: LedgerEntry, device: string, seq: number, prev: string): TeamEntry {
  const body = { seq, prev, device, entry: local };
  return { ...body, hash: sha256(JSON.stringify(body)) };
}

/** A stored line, parsed and checked: its own hash, and that the local entry it carries is intact. */
export function parseTeamLine(text: string): { entry: TeamEntry } | { error: string } {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { error: 'not a JSON entry' };
  }
  const checked = TeamEntrySchema.safeParse(parsed);
  if (!checked.success) return { error: `not a team ledger entry (${checked.error.issues[0]?.path.join('.') ?? ''}: ${checked.error.issues[0]?.message ?? 'malformed'})` };
  if (hashOfLine(parsed) !== checked.data.hash) return { error: 'its content does not match its hash (altered)' };
  if (hashOfLine(parsed.entry as Record<string, unknown>) !== checked.data.entry.hash) return { error: "the local entry it carries does not match that entry's own hash (altered)" };
  // The object as written, not the schema's copy: key order is part of what each hash covers.
  return { entry: parsed as TeamEntry };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
