import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AppInfo } from '../src-shared/contract';
import { startDemoStore } from './demo/demo-store';
import { createHandlers } from './handlers';
import { localOperator } from './operator-identity';
import type { HandlerTable } from './ipc/dispatch';
import { Ledger } from './ledger/ledger';
import type { ChooseSavePath } from './revocation/evidence';
import { SentinelRevoker } from './revocation/sentinel-revoker';
import { CursorCodec } from './sentinel/cursor';
import { SentinelStore } from './sentinel/sentinel-store';

export interface Workspace {
  readonly handlers: HandlerTable;
  readonly ledger: Ledger;
  close(): Promise<void>;
}

/**
 * Everything the window talks to, wired together. With no connection configured (the only case
 * so far) that is the embedded demo store. Plain Node: the e2e harness builds the same thing.
 * `dataDir` holds the ledger (the app's data directory, or a test's temporary one).
 */
export interface DesktopServices {
  chooseSavePath: ChooseSavePath;
  notify: (notification: { title: string; body: string }) => void;
}

export async function openDemoWorkspace(version: string, dataDir: string, desktop: DesktopServices): Promise<Workspace> {
  const demo = await startDemoStore();
  const store = new SentinelStore({ client: demo.client, tableName: demo.tableName, cursors: new CursorCodec(randomBytes(32)) });
  const ledger = new Ledger(join(dataDir, 'demo-ledger.jsonl'));
  const operator = localOperator();
  const info: AppInfo = {
    version,
    connection: { name: 'Demo store', kind: 'demo', environment: 'demo', table: demo.tableName },
    operator,
  };
  const revoker = new SentinelRevoker({ client: demo.client, store, ledger, operator, connection: 'demo' });
  return { handlers: createHandlers({ store, revoker, ledger, info: () => info, ...desktop }), ledger, close: () => demo.close() };
}
