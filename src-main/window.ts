import { BrowserWindow, type WebContents, type WebPreferences } from 'electron';

export interface WindowOptions {
  /** Absolute path of the built preload script. */
  preloadPath: string;
  /** What the window loads: `app://warden/index.html`, or the dev server in development. */
  rendererUrl: string;
  /** DevTools are available only in development. */
  isDevelopment: boolean;
}

/** The renderer gets no Node, no Electron, no way out of its sandbox: only the preload API. */
export function webPreferences(options: WindowOptions): WebPreferences {
  return {
    preload: options.preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: options.isDevelopment,
  };
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Session Warden',
    backgroundColor: '#0f1216',
    webPreferences: webPreferences(options),
  });
  lockDown(window.webContents);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.rendererUrl);
  return window;
}

/**
 * The app is a single page: it never navigates, opens windows or embeds webviews. Anything that
 * tries (a crafted link in store data, an injected script) is refused here.
 */
export function lockDown(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
