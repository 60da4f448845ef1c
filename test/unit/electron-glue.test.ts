import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// A stand-in for the parts of `electron` our glue touches; Electron itself never runs in tests.
const electron = vi.hoisted(() => {
  const state = {
    windows: [] as { options: Record<string, unknown>; loaded: string | null; contents: unknown }[],
    handlers: new Map<string, (event: unknown, payload: unknown) => unknown>(),
    permissionRequest: undefined as undefined | ((...args: unknown[]) => void),
    permissionCheck: undefined as undefined | ((...args: unknown[]) => boolean),
    schemes: [] as unknown[],
    opened: [] as string[],
  };
  return { state };
});

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  class FakeContents extends Emitter {
    windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
    mainFrame = { url: 'app://warden/index.html' };
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      this.windowOpenHandler = handler;
    }
  }
  class BrowserWindow extends Emitter {
    webContents = new FakeContents();
    record: { options: Record<string, unknown>; loaded: string | null; contents: unknown };
    constructor(options: Record<string, unknown>) {
      super();
      this.record = { options, loaded: null, contents: this.webContents };
      electron.state.windows.push(this.record);
    }
    loadURL(url: string) {
      this.record.loaded = url;
      return Promise.resolve();
    }
    show() {}
  }
  return {
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, fn: (event: unknown, payload: unknown) => unknown) => electron.state.handlers.set(channel, fn),
      removeHandler: (channel: string) => electron.state.handlers.delete(channel),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: (...args: unknown[]) => void) => (electron.state.permissionRequest = fn),
        setPermissionCheckHandler: (fn: (...args: unknown[]) => boolean) => (electron.state.permissionCheck = fn),
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => electron.state.schemes.push(...schemes),
      handle: vi.fn(),
    },
    net: { fetch: vi.fn() },
    shell: { openExternal: async (url: string) => void electron.state.opened.push(url) },
  };
});

const { createMainWindow } = await import('../../src-main/window');
const { registerIpc, senderOf } = await import('../../src-main/ipc/register');
const { denyPermissions, registerAppScheme } = await import('../../src-main/app-protocol');
const { CHANNELS } = await import('../../src-shared/contract');

interface FakeContents extends EventEmitter {
  windowOpenHandler: (details: { url: string }) => { action: string };
}

beforeEach(() => {
  electron.state.windows.length = 0;
  electron.state.handlers.clear();
  electron.state.opened.length = 0;
});

describe('the main window', () => {
  const open = (isDevelopment = false) => {
    createMainWindow({ preloadPath: '/app/out/preload/index.cjs', rendererUrl: 'app://warden/index.html', isDevelopment });
    const record = electron.state.windows[0];
    if (!record) throw new Error('no window was created');
    return record;
  };

  it('isolates the renderer: context isolation, sandbox, no Node, no webviews', () => {
    const prefs = open().options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
      preload: '/app/out/preload/index.cjs',
    });
  });

  it('offers DevTools only in development', () => {
    expect((open(false).options.webPreferences as Record<string, unknown>).devTools).toBe(false);
    electron.state.windows.length = 0;
    expect((open(true).options.webPreferences as Record<string, unknown>).devTools).toBe(true);
  });

  it('loads the renderer from app://', () => {
    expect(open().loaded).toBe('app://warden/index.html');
  });

  const refused = [
    'https://evil.example/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'app://warden/index.html',
    'http://docs.aws.amazon.com/cli/',
    'https://docs.aws.amazon.com.evil.example/',
    'https://evil.example/https://docs.aws.amazon.com/',
    'https://user:pw@docs.aws.amazon.com/',
    'https://docs.aws.amazon.com:8443/',
    'https://redis.io/commands/',
    'data:text/html,<script>alert(1)</script>',
  ];
  it.each(refused)('denies window.open(%s) and navigation to it, and never opens it outside', (url) => {
    const contents = open().contents as FakeContents;
    expect(contents.windowOpenHandler({ url })).toEqual({ action: 'deny' });
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      contents.emit(name, event, url);
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
    expect(electron.state.opened).toEqual([]);
  });

  it.each(['https://docs.aws.amazon.com/cli/latest/reference/sso/login.html', 'https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/'])(
    'opens allowed documentation (%s) in the system browser, never in the window',
    (url) => {
      const contents = open().contents as FakeContents;
      expect(contents.windowOpenHandler({ url })).toEqual({ action: 'deny' });
      const event = { preventDefault: vi.fn() };
      contents.emit('will-navigate', event, url);
      expect(event.preventDefault).toHaveBeenCalled();
      expect(electron.state.opened).toEqual([url, url]);
    },
  );
});

describe('IPC wiring', () => {
  it('registers exactly the contract channels, all through the one dispatcher', async () => {
    const dispatch = vi.fn(async () => ({ ok: true as const, value: 1 }));
    const unregister = registerIpc(dispatch);
    expect([...electron.state.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    const mainFrame = { url: 'app://warden/index.html' };
    const handler = electron.state.handlers.get('sessions:query');
    const sent: unknown[] = [];
    const sender = { mainFrame, isDestroyed: () => false, send: (...args: unknown[]) => sent.push(args) };
    await handler?.({ senderFrame: mainFrame, sender }, { status: 'active' });
    expect(dispatch).toHaveBeenCalledWith('sessions:query', { status: 'active' }, { url: 'app://warden/index.html', isMainFrame: true }, expect.any(Function));
    // Events go back to the window that called, on the event's own channel.
    const sink = (dispatch.mock.calls[0] as unknown as [unknown, unknown, unknown, (e: string, p: unknown) => void])[3];
    sink('revoke:progress', { done: 1, total: 2 });
    expect(sent).toEqual([['revoke:progress', { done: 1, total: 2 }]]);
    unregister();
    expect(electron.state.handlers.size).toBe(0);
  });

  it('reports a sub-frame as not the main frame, and a vanished frame as nobody', () => {
    const mainFrame = { url: 'app://warden/index.html' };
    const child = { url: 'app://warden/index.html' };
    expect(senderOf({ senderFrame: child, sender: { mainFrame } } as never)).toEqual({ url: 'app://warden/index.html', isMainFrame: false });
    expect(senderOf({ senderFrame: null, sender: { mainFrame } } as never)).toEqual({ url: null, isMainFrame: false });
  });
});

describe('session and protocol', () => {
  it('allows writing to the clipboard and nothing else', () => {
    denyPermissions();
    const callback = vi.fn();
    electron.state.permissionRequest?.({}, 'clipboard-sanitized-write', callback);
    expect(callback).toHaveBeenCalledWith(true);
  });

  it('denies every other permission request and check', () => {
    denyPermissions();
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      electron.state.permissionRequest?.({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(electron.state.permissionCheck?.({}, permission)).toBe(false);
    }
  });

  it('registers app:// as a secure standard scheme', () => {
    registerAppScheme();
    expect(electron.state.schemes).toContainEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } });
  });
});
