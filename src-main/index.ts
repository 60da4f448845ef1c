import { app, BrowserWindow, dialog, Notification, safeStorage } from 'electron';
import { extname, join } from 'node:path';
import { APP_ORIGIN } from '../src-shared/csp';
import { denyPermissions, registerAppScheme, serveRenderer } from './app-protocol';
import { createDispatch, originOf } from './ipc/dispatch';
import { registerIpc } from './ipc/register';
import { formatErrorForLog } from './log-format';
import { createMainWindow } from './window';
import { ConnectionManager } from './connections/connection-manager';
import { createAppHandlers } from './app-handlers';
import { ConnectionStore } from './connections/connection-store';
import { SecretVault } from './connections/secret-vault';

// electron-vite sets this under `electron-vite dev`. A packaged app ignores it: an environment
// variable must never be able to point the window (and its preload API) at another page.
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL || undefined;
const isDevelopment = devServerUrl !== undefined;

app.enableSandbox();
registerAppScheme();

let manager: ConnectionManager | undefined;

async function start(): Promise<void> {
  await app.whenReady();
  denyPermissions();
  serveRenderer(join(__dirname, '../renderer'));
  const dataDir = app.getPath('userData');
  // The credential vault: Electron's safeStorage (OS keyring); everything else is plain Node.
  const vault = new SecretVault(safeStorage);
  const desktop = {
    chooseSavePath: async (suggestedName: string) => {
      // The file type offered is the one being written: CSV, JSON or NDJSON.
      const extension = extname(suggestedName).slice(1);
      const options = { defaultPath: join(app.getPath('documents'), suggestedName), filters: [{ name: extension.toUpperCase(), extensions: [extension] }] };
      const parent = BrowserWindow.getFocusedWindow();
      const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    notify: ({ title, body }: { title: string; body: string }) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
  };
  manager = new ConnectionManager({ version: app.getVersion(), dataDir, store: new ConnectionStore(dataDir, vault), vault, desktop });
  // The embedded demo store is the default, whatever is saved: production is never opened by surprise.
  await manager.start();
  const devOrigin = devServerUrl ? originOf(devServerUrl) : null;
  const dispatch = createDispatch(createAppHandlers(manager), {
    trustedOrigins: devOrigin ? [APP_ORIGIN, devOrigin] : [APP_ORIGIN],
    onInternalError: (channel, error) => console.error(`[ipc] ${channel} failed: ${formatErrorForLog(error)}`),
  });
  registerIpc(dispatch);
  createMainWindow({
    preloadPath: join(__dirname, '../preload/index.cjs'),
    rendererUrl: devServerUrl ?? `${APP_ORIGIN}/index.html`,
    isDevelopment,
  });
}

app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => {
  void manager?.close();
});

// Crash output goes through the same formatter: a store error's properties never reach a log.
process.on('uncaughtException', (error) => {
  console.error(`Session Warden: uncaught exception: ${formatErrorForLog(error)}`);
  app.exit(1);
});
process.on('unhandledRejection', (reason) => console.error(`Session Warden: unhandled rejection: ${formatErrorForLog(reason)}`));

// One app per user: a second would run its own watches, canary and blacklist delivery over the
// same ledger and outbox (alarms twice, deliveries raced). It hands over to the first and quits.
if (app.requestSingleInstanceLock()) {
  app.on('second-instance', () => {
    const window = BrowserWindow.getAllWindows()[0];
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  start().catch((error: unknown) => {
    console.error(`Session Warden could not start: ${formatErrorForLog(error)}`);
    app.exit(1);
  });
} else {
  console.error('Session Warden is already running for this user: its window is brought forward.');
  app.quit();
}
