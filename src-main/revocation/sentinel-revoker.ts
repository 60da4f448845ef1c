import { SENTINEL_CREDENTIAL_LIFETIME_MS } from '../../src-shared/credentials';
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { serviceClock } from '../sentinel/dynamo-client-options';
import { epochMillis } from '../stores/exact-time';
import { deriveStatus, REVOKE_GRACE_MS } from '../sentinel/sentinel-item';
import type { SentinelStore } from '../sentinel/sentinel-store';
import { reasonText, Revoker, type Reason, type RevokerOptions, type SessionWriter, type WriteOutcome } from './revoker';

export { reasonText } from './revoker';
export type { ProgressListener } from './revoker';

/** The generic options, with the DynamoDB client and Sentinel store the writer needs. */
export type SentinelRevokerOptions = Omit<RevokerOptions, 'writer' | 'store'> & { client: DynamoDBDocumentClient; store: SentinelStore };

/**
 * Revokes Sentinel sessions in DynamoDB (see SentinelWriter), mirrored to a blacklist if any.
 * Its clock is DynamoDB's as the SDK measured it (see serviceClock): expiry is judged against
 * Sentinel's `expires_at`, and `revoked_at` and the ledger's times sit beside Sentinel's, so a
 * desk whose clock is minutes off neither skips live sessions nor writes times in the future.
 */
export class SentinelRevoker extends Revoker {
  constructor(options: SentinelRevokerOptions) {
    const clock = serviceClock(options.client, options.clock);
    const writer = new SentinelWriter({ client: options.client, tableName: options.store.tableName, operator: options.operator, clock });
    super({ ...options, clock, writer });
  }
}

/**
 * Marks our write so we know it again: the random id of one `revoke()` call, the same in every
 * attempt the SDK sends for it. When the SDK retries an UpdateItem whose first attempt landed but
 * whose answer was lost (a timeout), the retry fails its condition on our own write; the mark
 * tells that apart from a revocation by someone else.
 */
const ATTEMPT_ATTRIBUTE = 'revoked_attempt';

/**
 * Each revocation is a single conditional UpdateItem on `status = active`: Sentinel servers keep
 * doing `SET last_access_at, request_count = request_count + 1` on live sessions, and a
 * conditional update neither loses those nor fails because of them (a read-modify-put would do
 * both).
 */
export class SentinelWriter implements SessionWriter {
  readonly #options: { client: DynamoDBDocumentClient; tableName: string; operator: string; clock: () => number };

  /** `clock` is the service's time (SentinelRevoker passes serviceClock), as is `nowMs` below. */
  constructor(options: { client: DynamoDBDocumentClient; tableName: string; operator: string; clock: () => number }) {
    this.#options = options;
  }

  /** One conditional write, classified. */
  async revoke(id: string, reason: Reason, revokedAt: string, nowMs: number): Promise<WriteOutcome> {
    return this.#write(id, reason, revokedAt, nowMs, randomUUID(), false);
  }

  async #write(id: string, reason: Reason, revokedAt: string, nowMs: number, attempt: string, retried: boolean): Promise<WriteOutcome> {
    const { client, tableName, clock } = this.#options;
    const names: Record<string, string> = {
      '#status': 'status',
      '#ttl': 'ttl',
      '#by': 'revoked_by',
      '#reason': 'revoked_reason',
      '#code': 'revoked_reason_code',
      '#at': 'revoked_at',
      '#updated': 'updated_at',
      '#attempt': ATTEMPT_ATTRIBUTE,
    };
    const values: Record<string, unknown> = {
      ':revoked': 'revoked',
      ':active': 'active',
      ':by': this.#options.operator,
      ':reason': reasonText(reason),
      ':code': reason.reasonCode,
      ':at': revokedAt,
      ':attempt': attempt,
    };
    let set = '#status = :revoked, #by = :by, #reason = :reason, #code = :code, #at = :at, #updated = :at, #attempt = :attempt';
    if (reason.ticket) {
      names['#ticket'] = 'revoked_ticket';
      values[':ticket'] = reason.ticket;
      set += ', #ticket = :ticket';
    }
    // Only an active session whose ttl second is not more than the grace behind us (a session
    // that expired a moment ago is revoked anyway: see REVOKE_GRACE_MS); the exact expiry
    // (sub-second, from expires_at) is settled below when the condition fails.
    let condition = '#status = :active AND (attribute_not_exists(#ttl) OR #ttl > :notBefore)';
    values[':notBefore'] = Math.floor((nowMs - REVOKE_GRACE_MS) / 1000);
    if (retried) {
      condition = '#status = :active';
      delete values[':notBefore'];
      delete names['#ttl'];
    }
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id },
          UpdateExpression: `SET ${set}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = out.Attributes ?? {};
      return { outcome: 'revoked', user: String(item.user ?? ''), expiresAtMs: expiryForBlacklist(item), credentialsUntilMs: credentialsUntil(item, nowMs) };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
    // The condition failed: read the item to say why.
    const { Item: item } = await client.send(new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }));
    if (!item) return { outcome: 'not_found', user: '', expiresAtMs: null };
    const user = typeof item.user === 'string' ? item.user : '';
    const status = deriveStatus(item.status, item.expires_at, clock(), REVOKE_GRACE_MS);
    // Our own write, landed by an attempt whose answer the SDK never got: revoked by us, now.
    if (status === 'revoked' && item[ATTEMPT_ATTRIBUTE] === attempt) return { outcome: 'revoked', user, expiresAtMs: expiryForBlacklist(item), credentialsUntilMs: credentialsUntil(item, nowMs) };
    if (status === 'revoked') {
      return {
        outcome: 'already_revoked',
        user,
        expiresAtMs: expiryForBlacklist(item),
        credentialsUntilMs: credentialsUntil(item, nowMs),
        ...(typeof item.revoked_reason === 'string' ? { storedReason: item.revoked_reason } : {}),
      };
    }
    if (status === 'expired') return { outcome: 'expired', user, expiresAtMs: null };
    if (status === 'active' && !retried) return this.#write(id, reason, revokedAt, nowMs, attempt, true);
    throw new Error(`the session is in an unexpected state (status ${JSON.stringify(item.status)})`);
  }
}

/**
 * The latest moment AWS credentials issued for a revoked session can still be used: the moment
 * it was revoked plus the credential lifetime. Not the last fetch we saw: a Sentinel server that
 * passed its `status = active` check just before our write may hand out credentials (and update
 * `last_access_at`) just after it. Not capped by the session's expiry either: credentials fetched
 * a minute before expiry live their whole lifetime. For a session revoked earlier, its
 * `revoked_at` (by another tool, which writes none: `updated_at`, else now, the safe side).
 */
export function credentialsUntil(item: Record<string, unknown>, nowMs: number): number {
  const revoked = epochMillis(item.revoked_at) ?? epochMillis(item.updated_at) ?? nowMs;
  return revoked + SENTINEL_CREDENTIAL_LIFETIME_MS;
}

/**
 * When the session ends, for the blacklist entry's lifetime: its `expires_at`, or when that is
 * not a time we can read, its `ttl` (unix seconds, which Sentinel sets to the expiry). Null when
 * neither is usable (the blacklist then keeps its minimum lifetime).
 */
export function expiryForBlacklist(item: Record<string, unknown>): number | null {
  const exact = epochMillis(item.expires_at);
  if (exact !== null) return exact;
  const ttl = item.ttl;
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? ttl * 1000 : null;
}
