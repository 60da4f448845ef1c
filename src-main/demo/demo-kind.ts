import { randomBytes } from 'node:crypto';
import { localIdentity } from '../operator-identity';
import { SentinelRevoker } from '../revocation/sentinel-revoker';
import { SENTINEL_CAPABILITIES } from '../sentinel/capabilities';
import { CursorCodec } from '../stores/cursor';
import { SentinelStore } from '../sentinel/sentinel-store';
import type { StoreKind } from '../stores/store-kind';
import { DynamoTeamChain } from '../team-ledger/dynamo-chain';
import { startDemoStore } from './demo-store';
import { SentinelSessionIdSchema } from '../../src-shared/session';

/** The embedded demo store's settings: there are none, it is made afresh on every opening. */
export interface DemoStoreConfig {
  kind: 'demo';
}

/**
 * The embedded demo: a Sentinel table in an in-process DynamoDB on 127.0.0.1, opened when nothing
 * is configured. Its ledger is its own, so demo revocations never mix with real ones.
 */
export const demoKind: StoreKind<DemoStoreConfig> = {
  kind: 'demo',
  capabilities: SENTINEL_CAPABILITIES,
  sessionId: { schema: SentinelSessionIdSchema, hint: '' },
  ledgerFile: 'demo-ledger.jsonl',
  async open() {
    const demo = await startDemoStore();
    const store = new SentinelStore({ client: demo.client, tableName: demo.tableName, cursors: new CursorCodec(randomBytes(32)) });
    return {
      store,
      where: demo.tableName,
      identity: async () => localIdentity(),
      revoker: ({ blacklist: _none, ...setup }) => new SentinelRevoker({ client: demo.client, store, ...setup }),
      teamChain: (name) => new DynamoTeamChain(demo.client, name, demo.endpoint),
      check: async () => undefined,
      initTeamLedger: async () => {
        throw new Error('the demo store keeps no team ledger');
      },
      close: () => demo.close(),
    };
  },
  test: async () => ({ ok: true, checks: [{ name: 'Demo store', state: 'ok', detail: 'The embedded demo store runs in this app.' }] }),
  secretTarget: () => 'demo',
  unnamed: () => 'demo',
  defaultTeamLedger: () => 'demo-revocations',
  invalidTeamLedger: () => 'the demo store keeps no team ledger',
  blacklist: () => null,
  teamChain: () => null,
};
