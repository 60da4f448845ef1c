import { randomBytes } from 'node:crypto';
import { redisTargetFor, type RedisStore } from '../connections/connection-clients';
import { testRedisConnection } from '../connections/connection-test';
import { localIdentity } from '../operator-identity';
import { webCanaryGround } from '../proof/canary-ground';
import { CursorCodec } from '../stores/cursor';
import type { StoreKind } from '../stores/store-kind';
import { DEFAULT_LEDGER_STREAM, persistenceOf, RedisTeamChain, redisChainId, redisChainWhere } from '../team-ledger/redis-chain';
import { SessionIdSchema } from '../../src-shared/session';
import { WEB_SESSION_CAPABILITIES } from './capabilities';
import { RedisSessionStore } from './redis-session-store';
import { connectRedis, redactUrl } from './redis-target';
import { RedisRevoker } from './redis-writer';

/**
 * The web app's sessions in Redis (one server or a cluster). The web app checks `revoked:<id>`
 * itself, so there is no separate blacklist; the team ledger is a stream on the same Redis.
 */
export const webSessionKind: StoreKind<RedisStore> = {
  kind: 'redis',
  capabilities: WEB_SESSION_CAPABILITIES,
  sessionId: { schema: SessionIdSchema, hint: '' },
  ledgerFile: 'ledger.jsonl',
  async open(config, { secret }) {
    const where = config.urls.map(redactUrl).join(',');
    let client;
    try {
      client = await connectRedis(redisTargetFor(config, secret));
    } catch (error) {
      throw new Error(`cannot reach Redis at ${where}: ${redactUrl((error as Error).message)}`, { cause: error });
    }
    const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)) });
    const chainWhere = redisChainWhere(config.urls);
    return {
      store,
      where,
      // Redis knows no operator identities: revocations are recorded as this desk's OS user.
      identity: async () => localIdentity(),
      revoker: ({ blacklist: _none, ...setup }) => new RedisRevoker({ client, store, ...setup }),
      teamChain: (name) => new RedisTeamChain(client, name, chainWhere),
      canary: webCanaryGround(client),
      // Connected above, or open() failed.
      check: async () => undefined,
      async initTeamLedger(name) {
        const persisted = await persistenceOf(client);
        const durability = persisted === null ? 'unknown' : persisted.appendonly ? 'appendonly yes' : persisted.snapshots ? 'snapshots only' : 'NOT persisted';
        return { kind: 'redis', name, created: false, durability, ...(persisted === null ? { detail: 'the server refused CONFIG GET: check that it runs with appendonly yes' } : {}) };
      },
      close: async () => {
        client.disconnect();
      },
    };
  },
  test: (config, { secret }) => testRedisConnection(config, secret),
  // The trusted CA is part of where a password goes: another CA could let another server answer.
  secretTarget: ({ urls, username, tlsCa }) => JSON.stringify(['redis', [...urls].sort(), username ?? '', tlsCa ?? '']),
  blacklist: () => null,
  unnamed: ({ urls }) => `redis:${urls.map(redactUrl).join(',')}`,
  defaultTeamLedger: () => DEFAULT_LEDGER_STREAM,
  invalidTeamLedger: (name) => (name.length > 0 && name.length <= 200 ? null : 'the team ledger must be a stream key of 1 to 200 characters'),
  teamChain(config, { secret }) {
    const stream = config.teamLedger;
    if (!stream) return null;
    const where = redisChainWhere(config.urls);
    return {
      id: redisChainId(where, stream),
      open: async () => {
        const client = await connectRedis(redisTargetFor(config, secret));
        return { chain: new RedisTeamChain(client, stream, where), close: async () => client.disconnect() };
      },
    };
  },
};
