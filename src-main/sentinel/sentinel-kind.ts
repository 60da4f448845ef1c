import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClientFor, stsClientFor, type DynamoStore } from '../connections/connection-clients';
import { testDynamoConnection } from '../connections/connection-test';
import { resolveOperator } from '../operator-identity';
import { SentinelRevoker } from '../revocation/sentinel-revoker';
import type { StoreKind } from '../stores/store-kind';
import { DynamoTeamChain, dynamoChainId, dynamoChainWhere } from '../team-ledger/dynamo-chain';
import { SENTINEL_CAPABILITIES } from './capabilities';
import { CursorCodec } from './cursor';
import { serviceClock } from './dynamo-client-options';
import { SentinelStore } from './sentinel-store';

/** Sentinel's credential sessions in a DynamoDB table, reached with a profile, the default chain or static keys. */
export const sentinelKind: StoreKind<DynamoStore> = {
  kind: 'dynamodb',
  capabilities: SENTINEL_CAPABILITIES,
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
      clock: serviceClock(base),
      close: async () => client.destroy(),
    };
  },
  test: (config, { secret, blacklistSecret }) => testDynamoConnection(config, secret, blacklistSecret),
  secretTarget: ({ endpoint, region, credentials }) => JSON.stringify(['dynamodb', endpoint ?? '', region, credentials.source === 'static' ? credentials.accessKeyId : credentials.source]),
  blacklist: (config, { blacklistSecret }) => (config.blacklistRedis ? { url: config.blacklistRedis.url, username: config.blacklistRedis.username, password: blacklistSecret } : null),
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
