import type { Pool } from 'pg';
import { WardenError } from '../errors';
import { REVOKE_GRACE_MS } from '../revocation/expiry-grace';
import { describe, reasonText, Revoker, type Reason, type RevokerOptions, type SessionWriter, type WriteOutcome } from '../revocation/revoker';
import { checkout, poolError } from './postgres-pool';
import type { PostgresSessionStore } from './postgres-session-store';
import { isUuid } from './session-row';
import { inspectPostgresSchema, schemaProblem, type PostgresSchema } from './schema-check';

/** What `details` says in our SESSION_REVOKED rows, beside the app's own {sessionId, reason, revokedBy}. */
export const AUDIT_TOOL = 'session-warden';

/** A session that never expires (`infinity`) keeps its blacklist entry this long. */
const NEVER_EXPIRES_MS = 10 * 365 * 24 * 3600_000;

export interface PostgresWriterOptions {
  pool: Pool;
  /** Who revokes, decided in main (`revoked_by` when it is a user of the app, else in `details`). */
  operator: string;
  /**
   * The app user the operator is, by `users.email` (the connection's mapping); the operator's own
   * identity when absent. No such user: `revoked_by` is NULL and `details.operator` says who.
   */
  operatorEmail?: string | undefined;
}

interface Prepared {
  schema: PostgresSchema;
  /** users.id of the operator, or null. */
  revokedBy: string | null;
}

/** The row the update returns: the user, and how long the session has left by the server's clock. */
interface Updated {
  user_id: string;
  remaining_ms: number | null;
  tx_now: string;
  /** Our server process: once it has exited, its transaction is settled one way or the other. */
  backend: number;
}

interface Current {
  user_id: string;
  revoked: boolean;
  revoked_reason: string | null;
  expired: boolean;
  remaining_ms: number | null;
}

/**
 * Revokes exactly as the web app does, one transaction per session: the conditional update
 * `where id = $1 and revoked = false` (only the revocation columns: a concurrent
 * `last_active_at` update by the app waits for or after it on the row lock and is kept, never
 * lost, and never makes it fail), then its SESSION_REVOKED audit row; a failure or a lost
 * connection anywhere before COMMIT leaves neither. Expiry is judged by the server's clock, with
 * the grace every store uses (REVOKE_GRACE_MS).
 */
export class PostgresWriter implements SessionWriter {
  readonly #pool: Pool;
  readonly #operator: string;
  readonly #operatorEmail: string;
  #prepared: Promise<Prepared> | null = null;

  constructor(options: PostgresWriterOptions) {
    this.#pool = options.pool;
    this.#operator = options.operator;
    this.#operatorEmail = options.operatorEmail ?? options.operator;
  }

  /** The schema checked for writing and the operator's user id, once per writer. */
  async #prepare(): Promise<Prepared> {
    this.#prepared ??= (async () => {
      const schema = await inspectPostgresSchema(this.#pool);
      const problem = schemaProblem(schema, 'write');
      if (problem) throw problem;
      let revokedBy: string | null = null;
      if (schema.hasEmail) {
        try {
          const { rows } = await this.#pool.query<{ id: string }>('select id::text as id from users where email = $1', [this.#operatorEmail]);
          revokedBy = rows[0]?.id ?? null;
        } catch (error) {
          throw poolError(this.#pool, error);
        }
      }
      return { schema, revokedBy };
    })().catch((error: unknown) => {
      this.#prepared = null;
      throw error;
    });
    return this.#prepared;
  }

  async revoke(id: string, reason: Reason, _revokedAt: string, nowMs: number): Promise<WriteOutcome> {
    // The id column is a uuid: anything else names no row (and would be a cast error).
    if (!isUuid(id)) return { outcome: 'not_found', user: '', expiresAtMs: null };
    const { schema, revokedBy } = await this.#prepare();
    const text = fit(reasonText(reason), schema.reasonMaxLength);
    const details = {
      sessionId: id,
      reason: text,
      revokedBy,
      ...(revokedBy === null ? { operator: this.#operator } : {}),
      ...(reason.ticket ? { ticket: reason.ticket } : {}),
      tool: AUDIT_TOOL,
    };
    // A second round only when the first found the session live but not revocable: its expiry
    // was moved forward by the app between our update and our look.
    for (let round = 1; ; round += 1) {
      const result = await this.#attempt(id, text, revokedBy, details, nowMs);
      if (result !== 'again' || round === 2) return result === 'again' ? unexpected() : result;
    }
  }

  async #attempt(id: string, reason: string, revokedBy: string | null, details: object, nowMs: number): Promise<WriteOutcome | 'again'> {
    const client = await checkout(this.#pool);
    let stage: 'before' | 'commit' = 'before';
    let updated: Updated | undefined;
    try {
      await client.query('begin');
      const { rows } = await client.query<Updated>(
        `update sessions set revoked = true, revoked_at = now(), revoked_reason = $2, revoked_by = $3
          where id = $1 and revoked = false and expires_at > now() - make_interval(secs => $4)
          returning user_id::text as user_id, now()::text as tx_now, pg_backend_pid() as backend,
                    case when isfinite(expires_at) then extract(epoch from expires_at - now())::float8 * 1000 end as remaining_ms`,
        [id, reason, revokedBy, REVOKE_GRACE_MS / 1000],
      );
      updated = rows[0];
      if (updated) {
        await client.query(`insert into session_audit_log (session_id, user_id, action, details) values ($1, $2, 'SESSION_REVOKED', $3::jsonb)`, [
          id,
          updated.user_id,
          JSON.stringify(details),
        ]);
        stage = 'commit';
        await client.query('commit');
        client.release();
        return { outcome: 'revoked', user: updated.user_id, expiresAtMs: expiry(updated.remaining_ms, nowMs) };
      }
      // Nothing updated: say why, from the row as it is now (still in this transaction, writing nothing).
      const current = await client.query<Current>(
        `select user_id::text as user_id, revoked, revoked_reason::text as revoked_reason,
                expires_at <= now() - make_interval(secs => $2) as expired,
                case when isfinite(expires_at) then extract(epoch from expires_at - now())::float8 * 1000 end as remaining_ms
           from sessions where id = $1`,
        [id, REVOKE_GRACE_MS / 1000],
      );
      await client.query('rollback');
      client.release();
      const row = current.rows[0];
      if (!row) return { outcome: 'not_found', user: '', expiresAtMs: null };
      if (row.revoked) {
        return { outcome: 'already_revoked', user: row.user_id, expiresAtMs: expiry(row.remaining_ms, nowMs), ...(row.revoked_reason ? { storedReason: row.revoked_reason } : {}) };
      }
      if (row.expired) return { outcome: 'expired', user: row.user_id, expiresAtMs: null };
      return 'again';
    } catch (error) {
      // The connection goes: whatever the server still holds of this transaction is rolled back with it.
      client.release(error instanceof Error ? error : true);
      if (stage === 'commit' && updated) return this.#afterLostCommit(id, updated, nowMs, error);
      throw poolError(this.#pool, error);
    }
  }

  /**
   * COMMIT was sent but its answer never came (the connection dropped): the revocation may or may
   * not have landed, and may still be landing (the server can run a COMMIT it received after the
   * connection closed). Once our server process is gone its transaction is settled; our own write
   * is then known by its revoked_at, our transaction's exact now().
   */
  async #afterLostCommit(id: string, updated: Updated, nowMs: number, cause: unknown): Promise<WriteOutcome> {
    const lost = describe(poolError(this.#pool, cause));
    const deadline = Date.now() + 10_000;
    for (;;) {
      let settled: { gone: boolean; ours: boolean | null } | undefined;
      try {
        const { rows } = await this.#pool.query<{ gone: boolean; ours: boolean | null }>(
          `select not exists(select 1 from pg_stat_activity where pid = $3) as gone,
                  (select revoked and revoked_at = $2::timestamptz from sessions where id = $1) as ours`,
          [id, updated.tx_now, updated.backend],
        );
        settled = rows[0];
      } catch {
        // Another pooled connection lost with this one: tried again on a new one, until the deadline.
      }
      if (settled?.ours === true) return { outcome: 'revoked', user: updated.user_id, expiresAtMs: expiry(updated.remaining_ms, nowMs) };
      if (settled?.gone) throw poolError(this.#pool, cause);
      if (Date.now() > deadline) {
        throw new WardenError('STORE_UNAVAILABLE', `the connection was lost while committing (${lost}) and whether the revocation landed could not be told: run again to see`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function unexpected(): never {
  throw new WardenError('STORE_UNAVAILABLE', 'the session is live but could not be revoked (its expiry keeps moving): run again');
}

/** When the session ends on our clock: the time it has left by the server's, from `nowMs`. */
function expiry(remainingMs: number | null, nowMs: number): number {
  return remainingMs === null ? nowMs + NEVER_EXPIRES_MS : nowMs + Math.round(remainingMs);
}

/** The reason within the column's limit (characters, not bytes), our reason code first as ever. */
export function fit(text: string, max: number | null): string {
  const chars = [...text];
  if (max === null || chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

export type PostgresRevokerOptions = Omit<RevokerOptions, 'writer' | 'store'> & {
  pool: Pool;
  store: PostgresSessionStore;
  /** See PostgresWriterOptions.operatorEmail. */
  operatorEmail?: string | undefined;
};

/** Revokes the web app's sessions in PostgreSQL; the same ledger, outcomes, progress and blacklist mirror as for the other stores. */
export class PostgresRevoker extends Revoker {
  constructor(options: PostgresRevokerOptions) {
    const { pool, operatorEmail, ...rest } = options;
    // Each write holds a pooled connection for its transaction: no more at once than the pool gives.
    super({ ...rest, concurrency: options.concurrency ?? 8, writer: new PostgresWriter({ pool, operator: options.operator, operatorEmail }) });
  }
}
