import { app, BrowserWindow, dialog, Notification } from 'electron';
import { extname, join } from 'node:path';
import { APP_ORIGIN } from '../src-shared/csp';
import { denyPermissions, registerAppScheme, serveRenderer } from './app-protocol';
import { createDispatch, originOf } from './ipc/dispatch';
import { registerIpc } from './ipc/register';
import { formatErrorForLog } from './log-format';
import { createMainWindow } from './window';
import { openDemoWorkspace, type Workspace } from './workspace';

// electron-vite sets this under `electron-vite dev`. A packaged app ignores it: an environment
// variable must never be able to point the window (and its preload API) at another page.
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL || undefined;
const isDevelopment = devServerUrl !== undefined;

app.enableSandbox();
registerAppScheme();

let workspace: Workspace | undefined;

async function start(): Promise<void> {
  await app.whenReady();
  denyPermissions();
  serveRenderer(join(__dirname, '../renderer'));
  workspace = await openDemoWorkspace(app.getVersion(), app.getPath('userData'), {
    chooseSavePath: async (suggestedName) => {
      // The file type offered is the one being written: CSV, JSON or NDJSON.
      const extension = extname(suggestedName).slice(1);
      const options = { defaultPath: join(app.getPath('documents'), suggestedName), filters: [{ name: extension.toUpperCase(), extensions: [extension] }] };
      const parent = BrowserWindow.getFocusedWindow();
      const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    notify: ({ title, body }) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
  });
  const devOrigin = devServerUrl ? originOf(devServerUrl) : null;
  const dispatch = createDispatch(workspace.handlers, {
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
  void workspace?.close();
});

// Crash output goes through the same formatter: a store error's properties never reach a log.
process.on('uncaughtException', (error) => {
  console.error(`Session Warden: uncaught exception: ${formatErrorForLog(error)}`);
  app.exit(1);
});
process.on('unhandledRejection', (reason) => console.error(`Session Warden: unhandled rejection: ${formatErrorForLog(reason)}`));

start().catch((error: unknown) => {
  console.error(`Session Warden could not start: ${formatErrorForLog(error)}`);
  app.exit(1);
});
