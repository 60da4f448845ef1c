import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LedgerRecordSchema } from '../../src-shared/ledger-record';

export { LedgerRecordSchema } from '../../src-shared/ledger-record';

/** Hash that the first entry chains from. */
export const GENESIS = '0'.repeat(64);

export type LedgerRecord = z.infer<typeof LedgerRecordSchema>;

export const LedgerEntrySchema = LedgerRecordSchema.extend({
  seq: z.number().int().positive(),
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** The line for an entry; its hash covers every other field, in the order written. */
export function sealEntry(record: LedgerRecord, seq: number, prev: string): LedgerEntry {
  const body = { seq, prev, ...stripUndefined(record) };
  return { ...body, hash: sha256(JSON.stringify(body)) } as LedgerEntry;
}

/** Recomputes the hash of a parsed line (without its `hash` field), in the order it was written. */
export function hashOfLine(parsed: Record<string, unknown>): string {
  const body = { ...parsed };
  delete body.hash;
  return sha256(JSON.stringify(body));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
