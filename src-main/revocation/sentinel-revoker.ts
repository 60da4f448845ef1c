import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochMillis } from '../sentinel/exact-time';
import { deriveStatus } from '../sentinel/sentinel-item';
import type { SentinelStore } from '../sentinel/sentinel-store';
import { reasonText, Revoker, type Reason, type RevokerOptions, type SessionWriter, type WriteOutcome } from './revoker';

export { reasonText } from './revoker';
export type { ProgressListener } from './revoker';

/** The generic options, with the DynamoDB client and Sentinel store the writer needs. */
export type SentinelRevokerOptions = Omit<RevokerOptions, 'writer' | 'store'> & { client: DynamoDBDocumentClient; store: SentinelStore };

/** Revokes Sentinel sessions in DynamoDB (see SentinelWriter), mirrored to a blacklist if any. */
export class SentinelRevoker extends Revoker {
  constructor(options: SentinelRevokerOptions) {
    const clock = options.clock ?? Date.now;
    const writer = new SentinelWriter({ client: options.client, tableName: options.store.tableName, operator: options.operator, clock });
    super({ ...options, clock, writer });
  }
}

/**
 * Each revocation is a single conditional UpdateItem on `status = active`: Sentinel servers keep
 * doing `SET last_access_at, request_count = request_count + 1` on live sessions, and a
 * conditional update neither loses those nor fails because of them (a read-modify-put would do
 * both).
 */
export class SentinelWriter implements SessionWriter {
  readonly #options: { client: DynamoDBDocumentClient; tableName: string; operator: string; clock: () => number };

  constructor(options: { client: DynamoDBDocumentClient; tableName: string; operator: string; clock: () => number }) {
    this.#options = options;
  }

  /** One conditional write, classified. */
  async revoke(id: string, reason: Reason, revokedAt: string, nowMs: number, retried = false): Promise<WriteOutcome> {
    const { client, tableName, clock } = this.#options;
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
      ':by': this.#options.operator,
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
      return { outcome: 'revoked', user: String(item.user ?? ''), expiresAtMs: epochMillis(item.expires_at) };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
    // The condition failed: read the item to say why.
    const { Item: item } = await client.send(new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }));
    if (!item) return { outcome: 'not_found', user: '', expiresAtMs: null };
    const user = typeof item.user === 'string' ? item.user : '';
    const status = deriveStatus(item.status, item.expires_at, clock());
    if (status === 'revoked') {
      return {
        outcome: 'already_revoked',
        user,
        expiresAtMs: epochMillis(item.expires_at),
        ...(typeof item.revoked_reason === 'string' ? { storedReason: item.revoked_reason } : {}),
      };
    }
    if (status === 'expired') return { outcome: 'expired', user, expiresAtMs: null };
    if (status === 'active' && !retried) return this.revoke(id, reason, revokedAt, nowMs, true);
    throw new Error(`the session is in an unexpected state (status ${JSON.stringify(item.status)})`);
  }
}
