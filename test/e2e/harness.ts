import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { APP_HOST, CONTENT_SECURITY_POLICY } from '../../src-shared/csp';
import type { ConnectionSaveRequest } from '../../src-shared/connections';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { createDispatch, type WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import { resolveRendererFile } from '../../src-main/renderer-files';
import { openDemoWorkspace, type Workspace } from '../../src-main/workspace';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const OUT = resolve(__dirname, '../../out');
export const SCREENSHOTS = resolve(__dirname, '../../test-results/screenshots');

/** The flags this machine's closed network needs (see the project guide). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function built(path: string): string {
  const full = join(OUT, path);
  if (!existsSync(full)) throw new Error(`${full} is missing: run \`npm run build\` before the e2e tests (npm test does).`);
  return full;
}

export interface RendererServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves out/renderer on 127.0.0.1 exactly as main's app:// handler does (same files, same CSP). */
export async function serveBuiltRenderer(): Promise<RendererServer> {
  const root = built('renderer');
  const server: Server = createServer((request, response) => {
    const file = resolveRendererFile(root, `app://${APP_HOST}${request.url ?? '/'}`);
    if (!file || !existsSync(file.path)) {
      response.writeHead(404).end('Not found');
      return;
    }
    response.writeHead(200, {
      'content-type': file.type,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    });
    response.end(readFileSync(file.path));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/**
 * Runs the real built preload (out/preload/index.cjs) in the page, with `require('electron')`
 * answered by a shim whose ipcRenderer.invoke goes to the exposed binding. The preload may
 * require nothing else: that is also what Electron's sandbox allows.
 */
function preloadShim(): string {
  const preload = readFileSync(built('preload/index.cjs'), 'utf8');
  return `(() => {
    const listeners = new Map();
    Object.defineProperty(window, '__wardenEmit', {
      value: (event, payload) => (listeners.get(event) || []).forEach((l) => l({ sender: null }, payload)),
    });
    // Where JSON would carry a value otherwise than a structured clone does; null where it is exact.
    const jsonChanges = (value, at) => {
      if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
      if (typeof value === 'number') return Number.isFinite(value) ? null : at + ' is ' + value;
      if (typeof value !== 'object') return at + ' is ' + typeof value;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i += 1) {
          const inner = jsonChanges(value[i], at + '[' + i + ']');
          if (inner) return inner;
        }
        return null;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return at + ' is a ' + Object.prototype.toString.call(value);
      for (const key of Object.keys(value)) {
        const inner = jsonChanges(value[key], at + '.' + key);
        if (inner) return inner;
      }
      return null;
    };
    const shim = {
      contextBridge: { exposeInMainWorld: (key, api) => Object.defineProperty(window, key, { value: api }) },
      ipcRenderer: {
        invoke: (channel, request) => {
          if (request === undefined) return window.__wardenInvoke(channel, 'none', undefined).then(JSON.parse);
          // Electron copies the request by structured clone (a function throws DataCloneError, as
          // here). The harness carries it as JSON text, which is fast; a value JSON would change on
          // the way (a key set to undefined, a Date, NaN, a Map...) goes as the clone itself through
          // Playwright's serialiser instead, so main sees what Electron would deliver.
          let copy;
          try {
            copy = structuredClone(request);
          } catch (error) {
            return Promise.reject(error);
          }
          const exact = jsonChanges(copy, 'request') === null;
          return window.__wardenInvoke(channel, exact ? 'json' : 'value', exact ? JSON.stringify(copy) : copy).then(JSON.parse);
        },
        on: (event, listener) => listeners.set(event, [...(listeners.get(event) || []), listener]),
        removeListener: (event, listener) => listeners.set(event, (listeners.get(event) || []).filter((l) => l !== listener)),
      },
    };
    const requireShim = (name) => {
      if (name !== 'electron') throw new Error('a sandboxed preload cannot require ' + name);
      return shim;
    };
    (function (require) {
      ${preload}
    })(requireShim);
  })();`;
}

export interface AppPage {
  readonly page: Page;
  /** Console errors and uncaught page errors seen so far (CSP violations land here too). */
  readonly problems: string[];
  close(): Promise<void>;
}

/**
 * What a page talks to. Whatever a test gives, the page reaches it as the app does: through the
 * production app handler table (`createAppHandlers`) over a `ConnectionManager`.
 * - A manager the test built (its saved connections, its switches) is used as it is.
 * - A workspace, or a workspace's handler table, becomes the active workspace of a manager of the
 *   page's own (no saved connections, a data directory of its own, nothing delivered in the
 *   background); the workspace stays the test's to close.
 */
export type AppBackend = ConnectionManager | Workspace | WorkspaceHandlerTable;

/**
 * A connection manager of a test's own, as the app builds it (a connection store in `dataDir`
 * sealed by a keyring, nothing delivered in the background), with `saved` connections in its
 * store and `workspace` as its active workspace.
 */
export async function managerWith(dataDir: string, workspace: Workspace, saved: ConnectionSaveRequest[] = []): Promise<ConnectionManager> {
  const vault = new SecretVault(fakeKeyring(), 'linux');
  const store = new ConnectionStore(dataDir, vault);
  for (const connection of saved) await store.save(connection);
  const manager = new ConnectionManager({ version: '0.1.0', dataDir, store, vault, desktop: { chooseSavePath: async () => null, notify: () => undefined } });
  await manager.adopt(workspace);
  return manager;
}

/** The manager behind a page, and what to stop when the page closes. */
async function managerFor(backend: AppBackend): Promise<{ manager: ConnectionManager; release: () => Promise<void> }> {
  if (backend instanceof ConnectionManager) return { manager: backend, release: async () => undefined };
  const dir = await tempDir();
  // The manager closes what it holds: it is given a view of the test's workspace that it cannot close.
  const workspace: Workspace =
    'handlers' in backend
      ? { ...backend, close: async () => undefined }
      : // A bare table's ledger is the one its handlers were built with; the manager reads none.
        { handlers: backend, ledger: new Ledger(join(dir.path, 'ledger.jsonl')), close: async () => undefined };
  const manager = await managerWith(dir.path, workspace);
  return {
    manager,
    release: async () => {
      await manager.close();
      await dir.remove();
    },
  };
}

/**
 * Opens the built renderer with the preload API bridged to the production app handler table over
 * `backend`: every call goes through the same dispatcher (sender check, validation) and the same
 * delegation to the active workspace as in the app.
 */
export async function openApp(
  browser: Browser,
  server: RendererServer,
  backend: AppBackend,
  options: { colorScheme?: 'light' | 'dark'; withPreload?: boolean } = {},
): Promise<AppPage> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  // Name the code behind any CSP violation, not only Chromium's generic console line.
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP ${e.violatedDirective} blocked at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} sample=${e.sample}`),
    ),
  );
  let release = async (): Promise<void> => undefined;
  if (options.withPreload !== false) {
    const behind = await managerFor(backend);
    release = behind.release;
    const dispatch = createDispatch(createAppHandlers(behind.manager), { trustedOrigins: [server.origin] });
    // Requests and answers cross as JSON text: Playwright's own value serialiser, node by node,
    // took about 0.8 s for each page of 500 sessions (the renderer benchmark's "bridge floor"),
    // far more than the copy Electron's IPC makes (structured clone, about 2 ms a page).
    await page.exposeBinding('__wardenInvoke', async (source, channel: unknown, mode: unknown, payload: unknown) =>
      JSON.stringify(
        await dispatch(channel, mode === 'json' ? JSON.parse(String(payload)) : mode === 'value' ? payload : undefined, { url: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame() }, (event, payload) => {
          void source.page.evaluate(([e, p]) => (window as unknown as { __wardenEmit: (e: unknown, p: unknown) => void }).__wardenEmit(e, p), [event, payload] as const).catch(() => undefined);
        }),
      ),
    );
    await page.addInitScript(preloadShim());
  }
  try {
    await page.goto(`${server.origin}/index.html`);
  } catch (error) {
    await context.close();
    await release();
    throw error;
  }
  return {
    page,
    problems,
    close: async () => {
      await context.close();
      await release();
    },
  };
}

type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;

/** Why axe could not decide a text's contrast that we can always fix (an opaque background behind the text). */
const UNDECIDED_CONTRAST = new Set(['imgNode', 'bgImage', 'bgGradient']);

/**
 * Serious and critical accessibility violations (axe-core) on the page as it is now. Colour
 * contrast (WCAG AA) is checked in both colour schemes: the other one is emulated for a moment
 * (prefers-color-scheme) and then put back. HTML text whose contrast axe could not decide
 * because an image (a chart's SVG) or a gradient lies behind it counts as a violation too: it
 * would otherwise pass unchecked.
 */
export async function seriousViolations(page: Page, where = 'page'): Promise<string[]> {
  const found = seriousIn(await new AxeBuilder({ page }).analyze(), where);
  const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
  const other = dark ? 'light' : 'dark';
  await page.emulateMedia({ colorScheme: other });
  try {
    // axe is in the page now: run the one rule again directly (a second AxeBuilder would inject it again, seconds on a chart).
    const contrast = await page.evaluate(() => {
      const axe = (window as unknown as { axe?: { run: (context: Document, options: object) => Promise<unknown> } }).axe;
      return axe ? axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast'] } }) : null;
    });
    found.push(...seriousIn((contrast as AxeResults | null) ?? (await new AxeBuilder({ page }).withRules(['color-contrast']).analyze()), `${where} (${other} scheme)`));
  } finally {
    await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
  }
  return found;
}

function seriousIn(results: AxeResults, where: string): string[] {
  const nodes = (list: { target: unknown[] }[]) => list.map((n) => n.target.join(' ')).slice(0, 3).join(', ');
  const found = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}) on ${nodes(v.nodes)}`);
  const undecided = results.incomplete
    .filter((v) => v.id === 'color-contrast')
    .flatMap((v) => v.nodes)
    .filter((n) => UNDECIDED_CONTRAST.has(String((n.any[0]?.data as { messageKey?: unknown } | undefined)?.messageKey)) && !/^<(text|tspan)\b/.test(n.html));
  if (undecided.length > 0) found.push(`${where}: color-contrast undecided (text over an image or gradient) on ${nodes(undecided)}`);
  return found;
}

export interface DemoEnvironment {
  browser: Browser;
  server: RendererServer;
  workspace: Workspace;
}

/**
 * Hooks for a file that opens the app on the embedded demo store: Chromium, the served renderer
 * and a demo workspace with its own data directory, all stopped afterwards.
 */
export function withDemoEnvironment(set: (env: DemoEnvironment) => void): void {
  let env: DemoEnvironment | undefined;
  let dataDir: TempDir | undefined;
  beforeAll(async () => {
    dataDir = await tempDir();
    const [browser, server, workspace] = await Promise.all([
      launchChromium(),
      serveBuiltRenderer(),
      openDemoWorkspace('0.1.0', dataDir.path, { chooseSavePath: async () => null, notify: () => undefined }),
    ]);
    env = { browser, server, workspace };
    set(env);
  });
  afterAll(async () => {
    await env?.browser.close();
    await env?.server.close();
    await env?.workspace.close();
    await dataDir?.remove();
  });
}

/**
 * The id of every row of the sessions table, by its index: the table is walked from top to bottom
 * half a view at a time (two frames a step, so the rows in view are drawn), reading each drawn
 * row's index and id. Rows loaded meanwhile by the walk itself are read too.
 */
export function tableRowIds(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const el = document.querySelector('.table-scroll') as HTMLElement;
    const ids: string[] = [];
    for (let top = 0; top <= el.scrollHeight; top += el.clientHeight / 2) {
      el.scrollTo(0, top);
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))));
      for (const tr of document.querySelectorAll('[data-testid="session-row"]')) ids[Number(tr.getAttribute('aria-rowindex')) - 2] = tr.getAttribute('data-session-id') ?? '';
    }
    return ids;
  });
}
