import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BlacklistStateSchema, OutcomeSchema, ReasonCodeSchema } from '../../src-shared/revocation';

/** Hash that the first entry chains from. */
export const GENESIS = '0'.repeat(64);

/**
 * What a revocation records. Each session gets an `attempt` entry before its store write and an
 * `outcome` entry after it, so a process killed in between leaves evidence of the attempt (and
 * the `revokedAt` it was about to write) rather than a store change the ledger never saw.
 */
export const LedgerRecordSchema = z.strictObject({
  kind: z.enum(['attempt', 'outcome']),
  /** When this entry was written (ISO 8601, ms, UTC). */
  time: z.string(),
  operator: z.string(),
  connection: z.string(),
  /** Groups the entries of one revoke request. */
  run: z.string(),
  sessionId: z.string(),
  user: z.string(),
  reasonCode: ReasonCodeSchema,
  note: z.string().optional(),
  ticket: z.string().optional(),
  /** The `revoked_at` written (or about to be written) to the store. */
  revokedAt: z.string().optional(),
  outcome: OutcomeSchema.optional(),
  blacklist: BlacklistStateSchema.optional(),
  error: z.string().optional(),
});
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
