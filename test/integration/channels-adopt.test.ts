import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppInfo, SessionsPage } from '../../src-shared/contract';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { openDemoWorkspace, type Workspace } from '../../src-main/workspace';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const DESKTOP = { chooseSavePath: async () => null, notify: () => undefined };

/** The seam the e2e harness uses: a workspace a test opened itself, behind the app's own table. */
describe('a workspace adopted by the connection manager', () => {
  let dir: TempDir;
  let manager: ConnectionManager;
  let dispatch: Dispatch;

  beforeEach(async () => {
    dir = await tempDir();
    const vault = new SecretVault(fakeKeyring(), 'linux');
    manager = new ConnectionManager({ version: 't', dataDir: dir.path, store: new ConnectionStore(dir.path, vault), vault, desktop: DESKTOP });
    dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
  });
  afterEach(async () => {
    await manager.close();
    await dir.remove();
  });

  const call = async <T>(channel: Parameters<Dispatch>[0], payload?: unknown): Promise<T> => {
    const result = await dispatch(channel, payload, OURS);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value as T;
  };

  it('answers the workspace channels through the app table, is the active connection, and is closed by the manager like a switched-to one', async () => {
    const read = await openDemoWorkspace('t', dir.path, DESKTOP, { readOnly: true });
    const first: Workspace = { ...read, close: vi.fn(read.close) };
    const info = await manager.adopt(first);
    expect(info.connection).toMatchObject({ id: 'demo', readOnly: true });
    expect(await call<AppInfo>('app:info')).toEqual(info);
    expect((await call<SessionsPage>('sessions:query', { limit: 3 })).sessions).toHaveLength(3);
    expect((await call<{ active: string }>('connections:list')).active).toBe('demo');

    // Adopting another replaces it: the first is closed once idle, the second answers.
    const write = await openDemoWorkspace('t', dir.path, DESKTOP);
    const second: Workspace = { ...write, close: vi.fn(write.close) };
    const [, again] = await Promise.all([call<SessionsPage>('sessions:query', { limit: 1 }), manager.adopt(second)]);
    expect(again.connection.readOnly).toBe(false);
    expect((await call<AppInfo>('app:info')).connection.nonce).toBe(again.connection.nonce);
    await expect.poll(() => vi.mocked(first.close).mock.calls.length).toBe(1);
    expect(second.close).not.toHaveBeenCalled();
    await manager.close();
    expect(second.close).toHaveBeenCalledOnce();
  });

  it('waits for a switch already asked for: the last one asked wins', async () => {
    await manager.start();
    const own = await openDemoWorkspace('t', dir.path, DESKTOP, { readOnly: true });
    const [switched, adopted] = await Promise.all([manager.switchTo('demo'), manager.adopt(own)]);
    expect(switched.connection.readOnly).toBe(false);
    expect(adopted.connection.readOnly).toBe(true);
    expect((await call<AppInfo>('app:info')).connection.nonce).toBe(adopted.connection.nonce);
  });
});
