import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ReasonCode, RevokeReport, RevokeResult, RevokeSessionsRequest, RevokeUsersRequest, UserPreview } from '../../src-shared/revocation';
import type { LedgerRecord } from '../ledger/ledger-entry';
import type { Ledger } from '../ledger/ledger';
import { formatRfc3339Nano, parseExactTime } from '../sentinel/exact-time';
import { deriveStatus } from '../sentinel/sentinel-item';
import type { SentinelStore } from '../sentinel/sentinel-store';
import type { BlacklistMirror } from './blacklist';
import { mapConcurrent } from './concurrency';

export interface RevokerOptions {
  client: DynamoDBDocumentClient;
  store: SentinelStore;
  ledger: Ledger;
  /** `revoked_by`: decided in main (AWS caller or local OS user), never by the caller. */
  operator: string;
  /** Connection name, for the ledger. */
  connection: string;
  blacklist?: BlacklistMirror;
  clock?: () => number;
  /** Sessions revoked at once in bulk work. */
  concurrency?: number;
}

export type ProgressListener = (progress: { done: number; total: number }) => void;

interface Reason {
  reasonCode: ReasonCode;
  note?: string | undefined;
  ticket?: string | undefined;
}

interface Target {
  id: string;
  /** Known for users:revoke; learned from the store for sessions:revoke. */
  user: string;
}

/**
 * Revokes Sentinel sessions. Each one is a single conditional UpdateItem on `status = active`:
 * Sentinel servers keep doing `SET last_access_at, request_count = request_count + 1` on live
 * sessions, and a conditional update neither loses those nor fails because of them (a
 * read-modify-put would do both). Every attempt and its outcome are in the ledger before the
 * caller hears of them.
 */
export class SentinelRevoker {
  readonly #options: Required<Omit<RevokerOptions, 'blacklist'>> & Pick<RevokerOptions, 'blacklist'>;

  constructor(options: RevokerOptions) {
    this.#options = { clock: Date.now, concurrency: 16, ...options };
  }

  get operator(): string {
    return this.#options.operator;
  }

  async revokeSessions(request: RevokeSessionsRequest, onProgress?: ProgressListener): Promise<RevokeReport> {
    const targets = [...new Set(request.ids)].map((id) => ({ id, user: '' }));
    const run = randomUUID();
    return { run, results: await this.#revokeAll(targets, request, run, onProgress), operator: this.operator, usersWithoutActiveSessions: [] };
  }

  /** Every active session of each user, found through `gsi-user`. */
  async revokeUsers(request: RevokeUsersRequest, onProgress?: ProgressListener): Promise<RevokeReport> {
    const users = [...new Set(request.users)];
    const targets: Target[] = [];
    const without: string[] = [];
    for (const user of users) {
      const ids = await this.activeSessionIds(user);
      if (ids.length === 0) without.push(user);
      targets.push(...ids.map((id) => ({ id, user })));
    }
    const run = randomUUID();
    return { run, results: await this.#revokeAll(targets, request, run, onProgress), operator: this.operator, usersWithoutActiveSessions: without };
  }

  /**
   * For an offboarding list: each user's active sessions (counted up to 500), and whether the
   * store knows the name at all (any session in any status), to flag typos before revoking.
   */
  async previewUsers(users: string[]): Promise<UserPreview[]> {
    const { store } = this.#options;
    return mapConcurrent([...new Set(users)], 8, async (user) => {
      const active = await store.query({ status: 'active', user, limit: 500 });
      const known = active.sessions.length > 0 || (await store.query({ status: 'any', user, limit: 1 })).sessions.length > 0;
      return { user, activeSessions: active.sessions.length, more: active.nextCursor !== undefined, known };
    });
  }

  /** Ids of a user's active sessions, all pages. */
  async activeSessionIds(user: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#options.store.query({ status: 'active', user, limit: 500, ...(cursor ? { cursor } : {}) });
      ids.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  async #revokeAll(targets: Target[], reason: Reason, run: string, onProgress?: ProgressListener): Promise<RevokeResult[]> {
    onProgress?.({ done: 0, total: targets.length });
    return mapConcurrent(targets, this.#options.concurrency, (target) => this.#revokeOne(target, reason, run), (done, total) =>
      onProgress?.({ done, total }),
    );
  }

  async #revokeOne(target: Target, reason: Reason, run: string): Promise<RevokeResult> {
    const { ledger, clock } = this.#options;
    const nowMs = clock();
    const revokedAt = formatRfc3339Nano(Math.floor(nowMs / 1000), (nowMs % 1000) * 1_000_000);
    const record = (fields: Partial<LedgerRecord> & Pick<LedgerRecord, 'kind'>): LedgerRecord => ({
      time: new Date(clock()).toISOString(),
      operator: this.operator,
      connection: this.#options.connection,
      run,
      sessionId: target.id,
      user: target.user,
      reasonCode: reason.reasonCode,
      ...(reason.note ? { note: reason.note } : {}),
      ...(reason.ticket ? { ticket: reason.ticket } : {}),
      revokedAt,
      ...fields,
    });

    try {
      await ledger.append([record({ kind: 'attempt' })]);
    } catch (error) {
      return { id: target.id, user: target.user, outcome: 'failed', error: `not attempted: the ledger could not be written (${describe(error)})` };
    }

    let result: RevokeResult;
    let written: Awaited<ReturnType<SentinelRevoker['update']>> | null = null;
    try {
      written = await this.update(target.id, reason, revokedAt, nowMs);
      result = { id: target.id, user: written.user || target.user, outcome: written.outcome };
    } catch (error) {
      result = { id: target.id, user: target.user, outcome: 'failed', error: describe(error) };
    }
    // Revoked now, or before (perhaps by another tool, or by a run whose blacklist write was
    // lost): the blacklist must hold it either way, so running again repairs a missing key.
    const blacklist = this.#options.blacklist;
    if (blacklist && written && (written.outcome === 'revoked' || written.outcome === 'already_revoked')) {
      try {
        result.blacklist = await blacklist.write({
          id: target.id,
          reason: written.storedReason ?? reasonText(reason),
          // Unknown expiry: the minimum blacklist lifetime (one hour) still applies.
          expiresAtMs: written.expiresAtMs ?? this.#options.clock(),
        });
      } catch (error) {
        result.blacklist = 'failed';
        result.error = `the blacklist entry was neither written nor kept for retry (${describe(error)})`;
      }
    }

    try {
      await ledger.append([
        record({
          kind: 'outcome',
          user: result.user,
          outcome: result.outcome,
          ...(result.blacklist ? { blacklist: result.blacklist } : {}),
          ...(result.error ? { error: result.error } : {}),
        }),
      ]);
    } catch (error) {
      // The store changed but the ledger holds only the attempt: the operator must know.
      return { ...result, outcome: 'failed', error: `${result.outcome} in the store, but the ledger could not record the outcome (${describe(error)})` };
    }
    return result;
  }

  /** One conditional write, classified; not part of the public surface (used by #revokeOne). */
  private async update(
    id: string,
    reason: Reason,
    revokedAt: string,
    nowMs: number,
    retried = false,
  ): Promise<{ outcome: RevokeResult['outcome']; user: string; expiresAtMs: number | null; storedReason?: string }> {
    const { client, store } = this.#options;
    const names: Record<string, string> = {
      '#status': 'status',
      '#ttl': 'ttl',
      '#by': 'revoked_by',
      '#reason': 'revoked_reason',
      '#code': 'revoked_reason_code',
      '#at': 'revoked_at',
      '#updated': 'updated_at',
    };
    const values: Record<string, unknown> = {
      ':revoked': 'revoked',
      ':active': 'active',
      ':by': this.operator,
      ':reason': reasonText(reason),
      ':code': reason.reasonCode,
      ':at': revokedAt,
    };
    let set = '#status = :revoked, #by = :by, #reason = :reason, #code = :code, #at = :at, #updated = :at';
    if (reason.ticket) {
      names['#ticket'] = 'revoked_ticket';
      values[':ticket'] = reason.ticket;
      set += ', #ticket = :ticket';
    }
    // Only an active session whose ttl second has not passed; the exact expiry (sub-second)
    // is settled below when the condition fails.
    let condition = '#status = :active AND (attribute_not_exists(#ttl) OR #ttl > :nowSeconds)';
    values[':nowSeconds'] = Math.floor(nowMs / 1000);
    if (retried) {
      condition = '#status = :active';
      delete values[':nowSeconds'];
      delete names['#ttl'];
    }
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: { id },
          UpdateExpression: `SET ${set}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = out.Attributes ?? {};
      return { outcome: 'revoked', user: String(item.user ?? ''), expiresAtMs: expiryMs(item.expires_at) };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
    // The condition failed: read the item to say why.
    const { Item: item } = await client.send(new GetCommand({ TableName: store.tableName, Key: { id }, ConsistentRead: true }));
    if (!item) return { outcome: 'not_found', user: '', expiresAtMs: null };
    const user = typeof item.user === 'string' ? item.user : '';
    const status = deriveStatus(item.status, item.expires_at, this.#options.clock());
    if (status === 'revoked') {
      return {
        outcome: 'already_revoked',
        user,
        expiresAtMs: expiryMs(item.expires_at),
        ...(typeof item.revoked_reason === 'string' ? { storedReason: item.revoked_reason } : {}),
      };
    }
    if (status === 'expired') return { outcome: 'expired', user, expiresAtMs: null };
    if (status === 'active' && !retried) return this.update(id, reason, revokedAt, nowMs, true);
    throw new Error(`the session is in an unexpected state (status ${JSON.stringify(item.status)})`);
  }
}

/** `revoked_reason` as Sentinel's tools read it: `<code>: <note>` or `<code>`. */
export function reasonText(reason: Reason): string {
  return reason.note ? `${reason.reasonCode}: ${reason.note}` : reason.reasonCode;
}

function expiryMs(value: unknown): number | null {
  const exact = typeof value === 'string' ? parseExactTime(value) : null;
  return exact ? exact.epochSeconds * 1000 + Math.floor(exact.nanos / 1e6) : null;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
