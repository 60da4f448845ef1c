import { CANARY_USER } from '../../src-shared/canary-defaults';
import { randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Redis, Cluster } from 'ioredis';
import { keys } from '../web-sessions/web-session-record';

/**
 * The canary: a session that is unmistakably a test, written into a store so that its revocation
 * can be watched from end to end, then removed. Every field that allows it says what it is.
 */
export { CANARY_USER };

/** How long a canary session lives if it is never removed (a crash mid-run): the store forgets it by itself. */
export const CANARY_LIFETIME_MS = 10 * 60_000;

/** A canary written into a store. */
export interface PlantedCanary {
  id: string;
  user: string;
  /** What a request to a protected service carries to use this session (the session id here). */
  credential: string;
}

/** Where a store kind writes, checks and removes its canary. */
export interface CanaryGround {
  /** Writes a live canary session; never touches another session. */
  plant(nowMs: number): Promise<PlantedCanary>;
  /** Whether the store's own blacklist holds the canary (web sessions: `revoked:<id>` in the same Redis); absent where the blacklist is a separate Redis. */
  blacklisted?(id: string): Promise<boolean>;
  /** Removes the canary and everything its revocation wrote for it; safe to call twice. */
  remove(id: string): Promise<void>;
}

/** A Sentinel item marked as the canary in every attribute that allows it; it vanishes by TTL if left behind. */
export function sentinelCanaryGround(client: DynamoDBDocumentClient, tableName: string): CanaryGround {
  return {
    async plant(nowMs) {
      const id = randomBytes(8).toString('hex');
      const now = new Date(nowMs).toISOString();
      const expires = nowMs + CANARY_LIFETIME_MS;
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            id,
            user: CANARY_USER,
            profile: CANARY_USER,
            server_instance_id: CANARY_USER,
            source_identity: CANARY_USER,
            device_id: CANARY_USER,
            status: 'active',
            started_at: now,
            created_at: now,
            updated_at: now,
            last_access_at: now,
            expires_at: new Date(expires).toISOString(),
            request_count: 0,
            ttl: Math.ceil(expires / 1000),
            session_warden_canary: true,
          },
          // A fresh random id; never overwrite a real session that happened to have it.
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return { id, user: CANARY_USER, credential: id };
    },
    async remove(id) {
      // Only the canary: a condition on the marker keeps any other item safe.
      await client
        .send(new DeleteCommand({ TableName: tableName, Key: { id }, ConditionExpression: 'session_warden_canary = :yes', ExpressionAttributeValues: { ':yes': true } }))
        .catch((error: unknown) => {
          if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        });
    },
  };
}

/** A web session in Redis as the web app writes one, for the canary user; its blacklist is the same Redis. */
export function webCanaryGround(client: Redis | Cluster): CanaryGround {
  return {
    async plant(nowMs) {
      const id = `session-warden-canary-${randomBytes(12).toString('base64url')}`;
      const now = new Date(nowMs).toISOString();
      const record = {
        id,
        userId: CANARY_USER,
        email: `${CANARY_USER}@invalid`,
        deviceInfo: 'Session Warden canary (enforcement self-test)',
        ipAddress: '127.0.0.1',
        userAgent: CANARY_USER,
        createdAt: now,
        lastActiveAt: now,
        expiresAt: new Date(nowMs + CANARY_LIFETIME_MS).toISOString(),
        revoked: false,
      };
      const seconds = Math.ceil(CANARY_LIFETIME_MS / 1000);
      // NX: a fresh random id; never overwrite a session that happened to have it.
      const set = await client.set(keys.session(id), JSON.stringify(record), 'EX', seconds, 'NX');
      if (set !== 'OK') throw new Error('a session with the canary id already exists: nothing was written');
      try {
        await client.sadd(keys.userSessions(CANARY_USER), id);
        await client.expire(keys.userSessions(CANARY_USER), seconds);
      } catch (error) {
        // Half written: the record alone would be a live session nobody removes for ten minutes.
        await client.del(keys.session(id)).catch(() => undefined);
        throw error;
      }
      return { id, user: CANARY_USER, credential: id };
    },
    blacklisted: async (id) => (await client.exists(keys.revoked(id))) === 1,
    async remove(id) {
      // One key at a time: in a cluster the keys live in different slots.
      await client.del(keys.session(id));
      await client.del(keys.revoked(id));
      await client.srem(keys.userSessions(CANARY_USER), id);
    },
  };
}
