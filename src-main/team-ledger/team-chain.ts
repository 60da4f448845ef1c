import type { TeamEntry, TeamHead } from './team-entry';

/** A stored team entry as read: the position the store keeps it at, and its text as written. */
export interface StoredTeamEntry {
  seq: number;
  text: string;
}

/**
 * Where a team's ledger is kept (a DynamoDB table, a Redis stream): one chain, many writers. An
 * append is conditional on the chain's last entry still being the one the writer chained onto,
 * so two writers racing for a position cannot fork it: the loser is told, re-reads and tries again.
 */
export interface TeamChain {
  /** Stable name of this chain, stamped on the local entries meant for it (no secret in it). */
  readonly id: string;
  /** Said to an operator: "DynamoDB table sessions-revocations", "Redis stream session-warden:revocations". */
  readonly label: string;
  /** The last entry's position and hash, or the empty head. */
  tail(): Promise<TeamHead>;
  /**
   * Appends entries at `after.seq + 1`, `+ 2`, … all or nothing, only if the chain still ends at
   * `after`. False when another writer got there first (nothing was written). At most
   * `maxBatch` entries per call.
   */
  append(entries: TeamEntry[], after: TeamHead): Promise<boolean>;
  readonly maxBatch: number;
  /** Up to `limit` entries from position `fromSeq` on, oldest first. */
  read(fromSeq: number, limit: number): Promise<StoredTeamEntry[]>;
  /** Up to `limit` entries before position `beforeSeq` (from the end when null), newest first. */
  readNewest(beforeSeq: number | null, limit: number): Promise<StoredTeamEntry[]>;
  /** The entry at one position, or null. */
  at(seq: number): Promise<StoredTeamEntry | null>;
  close(): Promise<void>;
}

/** Why a team chain could not be used, said so an operator knows what to do. */
export class TeamChainError extends Error {
  constructor(
    message: string,
    readonly reason: 'missing' | 'denied' | 'unreachable' | 'malformed',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TeamChainError';
  }
}
