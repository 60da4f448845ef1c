import { BrowserWindow, shell, type WebContents } from 'electron';
import { isAllowedExternalUrl } from './external-links';

export interface WindowOptions {
  /** Absolute path of the built preload script. */
  preloadPath: string;
  /** What the window loads: `app://warden/index.html`, or the dev server in development. */
  rendererUrl: string;
  /** DevTools are available only in development. */
  isDevelopment: boolean;
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
    // The renderer gets no Node, no Electron, no way out of its sandbox: only the preload API.
    // Written out here (not built elsewhere) so Electronegativity's static checks can see it.
    webPreferences: {
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
      // A middle click must not open a window either (setWindowOpenHandler denies it as well).
      disableBlinkFeatures: 'Auxclick',
      devTools: options.isDevelopment,
    },
  });
  lockDown(window.webContents);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.rendererUrl);
  return window;
}

/**
 * The app is a single page: it never navigates, opens windows or embeds webviews. Anything that
 * tries (a crafted link in store data, an injected script) is refused here. A link to allowed
 * vendor documentation opens in the system browser instead, never in the app.
 */
export function lockDown(contents: WebContents): void {
  const openOutside = (url: string): void => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
  };
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openOutside(url);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
