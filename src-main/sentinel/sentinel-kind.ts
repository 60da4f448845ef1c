import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClientFor, stsClientFor, type DynamoStore } from '../connections/connection-clients';
import { testDynamoConnection } from '../connections/connection-test';
import { resolveOperator } from '../operator-identity';
import { sentinelCanaryGround } from '../proof/canary-ground';
import { SentinelRevoker } from '../revocation/sentinel-revoker';
import type { StoreKind } from '../stores/store-kind';
import { createLedgerTable, defaultLedgerTable, DynamoTeamChain, dynamoChainId, dynamoChainWhere } from '../team-ledger/dynamo-chain';
import { SentinelSessionIdSchema } from '../../src-shared/session';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { SENTINEL_CAPABILITIES } from './capabilities';
import { CursorCodec } from '../stores/cursor';
import { serviceClock } from './dynamo-client-options';
import { SentinelStore } from './sentinel-store';

/** Sentinel's credential sessions in a DynamoDB table, reached with a profile, the default chain or static keys. */
export const sentinelKind: StoreKind<DynamoStore> = {
  kind: 'dynamodb',
  capabilities: SENTINEL_CAPABILITIES,
  sessionId: { schema: SentinelSessionIdSchema, hint: ' (web sessions in Redis: --store redis)' },
  ledgerFile: 'ledger.jsonl',
  async open(config, { secret }) {
    const base = dynamoClientFor(config, secret);
    const client = DynamoDBDocumentClient.from(base);
    const store = new SentinelStore({ client, tableName: config.table, cursors: new CursorCodec(randomBytes(32)) });
    const where = dynamoChainWhere(config.endpoint, config.region);
    return {
      store,
      where: config.table,
      identity: () => resolveOperator({ endpoint: config.endpoint, sts: () => stsClientFor(config, secret) }),
      revoker: ({ blacklist, ...setup }) => new SentinelRevoker({ client, store, ...setup, ...(blacklist ? { blacklist } : {}) }),
      teamChain: (name) => new DynamoTeamChain(base, name, where),
      canary: sentinelCanaryGround(client, config.table),
      clock: serviceClock(base),
      async check() {
        try {
          await base.send(new DescribeTableCommand({ TableName: config.table }));
        } catch (error) {
          const name = (error as Error).name;
          // Allowed to read sessions but not to describe the table: the work itself will tell.
          if (name === 'AccessDeniedException') return;
          const what = name === 'ResourceNotFoundException' ? `table "${config.table}" does not exist in ${config.region}` : `${name}: ${(error as Error).message}`;
          throw new Error(`cannot reach the Sentinel table: ${what}`, { cause: error });
        }
      },
      async initTeamLedger(name) {
        const made = await createLedgerTable(base, name);
        return {
          kind: 'dynamodb',
          name,
          created: made.created,
          durability: made.pointInTimeRecovery === 'enabled' ? 'point-in-time recovery enabled' : 'point-in-time recovery NOT enabled',
          ...(made.detail ? { detail: made.detail } : {}),
        };
      },
      close: async () => client.destroy(),
    };
  },
  test: (config, { secret, blacklistSecret }) => testDynamoConnection(config, secret, blacklistSecret),
  secretTarget: ({ endpoint, region, credentials }) => JSON.stringify(['dynamodb', endpoint ?? '', region, credentials.source === 'static' ? credentials.accessKeyId : credentials.source]),
  blacklist: (config, { blacklistSecret }) => (config.blacklistRedis ? { url: config.blacklistRedis.url, username: config.blacklistRedis.username, password: blacklistSecret } : null),
  unnamed: ({ table, endpoint, region }) => `${table}@${endpoint ?? region}`,
  defaultTeamLedger: ({ table }) => defaultLedgerTable(table),
  invalidTeamLedger: (name) => (/^[A-Za-z0-9_.-]{3,255}$/.test(name) ? null : 'the team ledger must be a DynamoDB table name (3 to 255 letters, digits, "_", "." or "-")'),
  teamChain(config, { secret }) {
    const table = config.teamLedger;
    if (!table) return null;
    const where = dynamoChainWhere(config.endpoint, config.region);
    return {
      id: dynamoChainId(where, table),
      open: async () => {
        const client = dynamoClientFor(config, secret);
        return { chain: new DynamoTeamChain(client, table, where), close: async () => client.destroy() };
      },
    };
  },
};
