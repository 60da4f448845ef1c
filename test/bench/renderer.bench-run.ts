import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CDPSession } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppInfo, SessionsPage, SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { mapConcurrent } from '../../src-main/revocation/concurrency';
import type { SentinelItem } from '../../src-main/sentinel/sentinel-item';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../fixtures/dynamodb-local';
import { createSentinelTable } from '../fixtures/sentinel-table';
import { createHandlers } from '../../src-main/handlers';
import { Ledger } from '../../src-main/ledger/ledger';
import type { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { launchChromium, openApp, serveBuiltRenderer, type RendererServer } from '../e2e/harness';
import { APP_HOST, CONTENT_SECURITY_POLICY } from '../../src-shared/csp';
import { resolveRendererFile } from '../../src-main/renderer-files';
import { tempDir } from '../fixtures/temp-dir';
import { InMemoryStore, syntheticSessions } from './bench-sessions';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

/**
 * The renderer with 100,000 loaded rows, in Chromium: first render, frame times while scrolling,
 * and keystroke-to-filtered-table. What is measured is the renderer, so the rows come from an
 * in-memory list behind the real handler table and IPC bridge rather than from DynamoDB.
 */
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
let browser: Browser;
let server: RendererServer;
const figures: string[] = [];



/**
 * `BENCH_RENDERER_DIR`: serve a copy of out/renderer taken under the build lock, so a long run does
 * not hold the lock (or read a build another process is writing). Served as the harness serves it.
 */
async function serveRenderer(): Promise<RendererServer> {
  const root = process.env.BENCH_RENDERER_DIR;
  if (!root) return serveBuiltRenderer();
  const http = createServer((request, response) => {
    const file = resolveRendererFile(root, `app://${APP_HOST}${request.url ?? '/'}`);
    if (!file || !existsSync(file.path)) return void response.writeHead(404).end('Not found');
    response.writeHead(200, { 'content-type': file.type, 'content-security-policy': CONTENT_SECURITY_POLICY }).end(readFileSync(file.path));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      http.closeAllConnections();
      http.close(() => r());
    }),
  };
}

beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), serveRenderer()]);
});

/**
 * `BENCH_PROFILE=<dir>`: a CPU profile (CDP Profiler) and a trace of each timed phase of the
 * table, written to <dir>/<phase>.cpuprofile and <dir>/<phase>.trace.json, to find where time goes.
 */
async function profiled<T>(page: Page, phase: string, run: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return run();
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await browser.startTracing(page, { categories: (process.env.BENCH_TRACE_CATEGORIES ?? 'devtools.timeline,disabled-by-default-devtools.timeline,v8,blink.user_timing').split(',') });
  const result = await run();
  const trace = await browser.stopTracing();
  const { profile } = await cdp.send('Profiler.stop');
  writeFileSync(join(dir, `${phase}.cpuprofile`), JSON.stringify(profile));
  writeFileSync(join(dir, `${phase}.trace.json`), trace);
  await cdp.detach();
  return result;
}
afterAll(async () => {
  await browser?.close();
  await server?.close();
  console.log(`\n${figures.join('\n')}\n`);
});

/** Builds the floor (test/bench/minimal-list, production React) and serves it on 127.0.0.1. */
async function serveMinimalList(outDir: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const root = resolve(__dirname, 'minimal-list');
  // Production React, as the app's build: under vitest NODE_ENV is 'test', which gives React's development build.
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root, configFile: false, logLevel: 'warn', mode: 'production', plugins: [react()], build: { outDir, emptyOutDir: true, minify: true } });
  } finally {
    process.env.NODE_ENV = env;
  }
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] as string;
    const file = path === '/' ? 'index.html' : path.slice(1);
    if (file.includes('..')) return void response.writeHead(404).end();
    try {
      const body = readFileSync(join(outDir, file));
      response.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Time from a click to the first frame with a row in it. */
async function timeFirstRender(page: Page, button: string, row: string): Promise<number> {
  return page.evaluate(
    async ([buttonSelector, rowSelector]) => {
      const start = performance.now();
      (document.querySelector(buttonSelector) as HTMLButtonElement).click();
      await new Promise<void>((done) => {
        const check = () => (document.querySelector(rowSelector) ? done() : requestAnimationFrame(check));
        check();
      });
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      return performance.now() - start;
    },
    [button, row] as const,
  );
}

/** Frame times of 240 frames scrolling 400 px a frame through the list: median and p95. */
async function scrollFrames(page: Page, scroller: string): Promise<{ median: number; p95: number }> {
  const frames = await page.evaluate(async (selector) => {
    const el = document.querySelector(selector) as HTMLElement;
    el.scrollTo(0, 0);
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    const times: number[] = [];
    let last = performance.now();
    for (let i = 0; i < 240; i += 1) {
      el.scrollBy(0, 400);
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    return times.sort((a, b) => a - b);
  }, scroller);
  return { median: frames[Math.floor(frames.length / 2)] as number, p95: frames[Math.floor(frames.length * 0.95)] as number };
}

const NEEDLES = ['user4999', 'profile-11', 'sentinel:user1:'];

/** Each needle's last key is timed this many times (`BENCH_KEY_ROUNDS`): one keystroke is a few frames, and the machine's noise is of the same size. */
const KEY_ROUNDS = Math.max(1, Number(process.env.BENCH_KEY_ROUNDS ?? 3));

/** One keystroke's times: from the key press to the count's change seen (`total`), and inside the page (`page`, see `keystrokes`). */
interface KeyTimes {
  total: number;
  page: number;
}

/**
 * From a key press in the search box to the next frame after the count has changed, for each
 * needle typed up to its last character first, KEY_ROUNDS times over the needles. `total` is
 * measured from the benchmark (it includes the protocol's round trips, the same for the floor);
 * `page` inside the page, from the key's keydown event to the end of the frame that shows the
 * new count (a task queued from that frame's animation frame callback runs once it is drawn).
 */
async function keystrokes(page: Page, input: string, count: string): Promise<KeyTimes[]> {
  const times: KeyTimes[] = [];
  for (const needle of Array.from({ length: KEY_ROUNDS }, () => NEEDLES).flat()) {
    await page.locator(input).fill(needle.slice(0, -1));
    await page.waitForTimeout(300);
    const before = await page.locator(count).textContent();
    await page.evaluate((selector) => {
      const clock = { keydown: 0, drawn: 0 };
      (window as unknown as { keyClock: typeof clock }).keyClock = clock;
      const shown = document.querySelector(selector) as HTMLElement;
      const text = shown.textContent;
      addEventListener('keydown', () => (clock.keydown = performance.now()), { capture: true, once: true });
      const changed = new MutationObserver(() => {
        if (shown.textContent === text) return;
        changed.disconnect();
        requestAnimationFrame(() => {
          const after = new MessageChannel();
          after.port1.onmessage = () => (clock.drawn = performance.now());
          after.port2.postMessage(null);
        });
      });
      changed.observe(shown, { childList: true, characterData: true, subtree: true });
    }, count);
    const start = performance.now();
    await page.keyboard.press(needle.at(-1) as string);
    await page.waitForFunction(([selector, text]) => document.querySelector(selector)?.textContent !== text, [count, before] as const, { polling: 'raf' });
    const total = performance.now() - start;
    const clock = await page.waitForFunction(() => {
      const { keydown, drawn } = (window as unknown as { keyClock: { keydown: number; drawn: number } }).keyClock;
      return drawn > 0 && drawn - keydown;
    });
    times.push({ total, page: (await clock.jsonValue()) as number });
  }
  return times;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const ratio = (value: number, floor: number) => `${(value / floor).toFixed(2)}x`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Rows of the DynamoDB Local floor (`BENCH_DYNAMO_ROWS`, default all of them): loading 100,000
 * items into DynamoDB Local takes a while on 2 cores; with fewer, the floor is scaled to the rows
 * loaded into the table, and the figure says so.
 */
const DYNAMO_ROWS = Math.min(ROWS, Number(process.env.BENCH_DYNAMO_ROWS ?? ROWS));

/** A synthetic session as Sentinel writes it (the same id, user, times and counts). */
function asSentinelItem(s: Session): SentinelItem {
  const time = (iso: string | null) => {
    const ms = Date.parse(iso ?? '');
    return formatRfc3339Nano(Math.floor(ms / 1000), (ms % 1000) * 1e6);
  };
  return {
    id: s.id,
    user: s.user,
    profile: s.profile ?? '',
    server_instance_id: s.serverInstanceId ?? '',
    status: 'active',
    started_at: time(s.startedAt),
    last_access_at: time(s.lastAccessAt),
    expires_at: time(s.expiresAt),
    request_count: s.requestCount ?? 0,
    source_identity: s.sourceIdentity ?? '',
    device_id: s.deviceId ?? '',
    created_at: time(s.createdAt),
    updated_at: time(s.updatedAt),
    ttl: Math.floor(Date.parse(s.expiresAt ?? '') / 1000),
  };
}

/**
 * The floor of a real store: the sessions as Sentinel items in a fresh table on DynamoDB Local,
 * paged by the app's own store in the table's page sizes (100, then 500s), once untimed (DynamoDB
 * Local reads items several times faster once warm: the floor is the faster pass), then timed.
 * DynamoDB Local is stopped before the table is loaded, so it takes no CPU from it.
 */
async function dynamoPaging(sessions: Session[]): Promise<{ ms: number; seedMs: number }> {
  // Its JVM may need more than the fixture's 30 s to start on a loaded machine: tried three times.
  let dynamo: RunningDynamoDbLocal | undefined;
  for (let attempt = 1; dynamo === undefined; attempt += 1) {
    dynamo = await startDynamoDbLocal().catch((error: unknown) => {
      if (attempt >= 3) throw error;
      return undefined;
    });
  }
  try {
    const table = await createSentinelTable(dynamo.endpoint);
    const seedStart = performance.now();
    const items = sessions.map(asSentinelItem);
    const chunks: SentinelItem[][] = [];
    for (let i = 0; i < items.length; i += 500) chunks.push(items.slice(i, i + 500));
    await mapConcurrent(chunks, 8, (chunk) => table.put(chunk));
    const seedMs = performance.now() - seedStart;
    const store = table.store();
    const pass = async () => {
      let rows = 0;
      const start = performance.now();
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const page = await store.query({ status: ['active'], limit: first ? 100 : 500, ...(cursor ? { cursor } : {}) } as SessionsQueryRequest);
        rows += page.sessions.length;
        cursor = page.nextCursor;
      }
      expect(rows).toBe(sessions.length);
      return performance.now() - start;
    };
    await pass();
    const ms = await pass();
    await table.drop();
    return { ms, seedMs };
  } finally {
    await dynamo.stop();
  }
}

/**
 * The bridge's own floor: the same pages (100, then 500s, the app's request) through the same
 * harness bridge (the preload over Playwright bindings to the real handler table), asked for one
 * after another by a blank page of the renderer's origin, with no React and nothing drawn.
 */
async function bridgePaging(handlers: WorkspaceHandlerTable): Promise<number> {
  const app = await openApp(browser, server, handlers);
  try {
    // The preload is installed on every page of the context; a missing file is a blank page of the same origin.
    await app.page.goto(`${server.origin}/bridge-floor.html`);
    const start = performance.now();
    const rows = await app.page.evaluate(async () => {
      const api = (window as unknown as { warden: { sessions: { query: (r: unknown) => Promise<{ ok: boolean; value: SessionsPage; error: { message: string } }> } } }).warden;
      let count = 0;
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const result = await api.sessions.query({ status: ['active'], limit: first ? 100 : 500, ...(cursor ? { cursor } : {}) });
        if (!result.ok) throw new Error(result.error.message);
        count += result.value.sessions.length;
        cursor = result.value.nextCursor;
      }
      return count;
    });
    const elapsed = performance.now() - start;
    expect(rows).toBe(ROWS);
    return elapsed;
  } finally {
    await app.close();
  }
}

it(`renders, scrolls and searches ${ROWS.toLocaleString('en-US')} loaded rows, beside a minimal list of as many`, async () => {
  const dir = await tempDir();
  // The floor first: a minimal React + TanStack Virtual list, same Chromium, same viewport.
  const minimal = await serveMinimalList(join(dir.path, 'minimal-list'));
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const floorPage = await context.newPage();
  await floorPage.goto(`${minimal.origin}/?rows=${ROWS}`);
  await floorPage.locator('#show').waitFor();
  const floorFirst = await timeFirstRender(floorPage, '#show', '[data-testid="row"]');
  const floorScroll = await scrollFrames(floorPage, '.list-scroll');
  await floorPage.locator('input[aria-label="Search"]').click();
  const floorKeys = await profiled(floorPage, 'floor-keystrokes', () => keystrokes(floorPage, 'input[aria-label="Search"]', '[data-testid="count"]'));
  expect(await floorPage.locator('[data-testid="count"]').textContent()).toMatch(/match/);
  await context.close();
  await minimal.close();

  const info: AppInfo = { version: 'bench', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'bench', kind: 'dynamodb', environment: 'bench', table: 'in-memory', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:bench' };
  const store = new InMemoryStore(syntheticSessions(ROWS));
  const handlers = createHandlers({
    ledgerConnection: 'bench',
    store,
    revoker: {} as SentinelRevoker,
    ledger: new Ledger(`${dir.path}/ledger.jsonl`),
    info: () => info,
    chooseSavePath: async () => null,
    notify: () => undefined,
  });

  // Floors of loading, the same rows in the same page sizes (100, then 500s), in this run:
  // the in-memory store paged directly (no bridge, no renderer); the same rows as Sentinel items
  // paged from DynamoDB Local by the app's own store (issue 17's floor: a real store's paging);
  // and the same pages through the harness's bridge from a blank page (no React), so what is the
  // bridge's and what is the renderer's can be told apart.
  const rawStart = performance.now();
  for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
    const page = await store.query({ status: ['active'], limit: first ? 100 : 500, ...(cursor ? { cursor } : {}) } as SessionsQueryRequest);
    cursor = page.nextCursor;
  }
  const rawLoad = performance.now() - rawStart;
  const dynamoFloor = await dynamoPaging(store.sessions.slice(0, DYNAMO_ROWS));
  const bridgeFloor = await bridgePaging(handlers);

  const app = await openApp(browser, server, handlers);
  const { page } = app;
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
  await page.getByRole('button', { name: 'Pause' }).click();

  // Load every page as an operator can: keep the table scrolled to its end (as holding the
  // scrollbar at the bottom does), once a frame, until every row is in. Nothing else asks for a page.
  const loaded = `${ROWS.toLocaleString('en-US')} loaded`;
  const loadStart = performance.now();
  await profiled(page, 'load', () =>
    page.locator('.table-scroll').evaluate(async (el, want) => {
      while (!(document.querySelector('[data-testid="sessions-count"]')?.textContent ?? '').startsWith(want)) {
        el.scrollTo(0, el.scrollHeight);
        await new Promise((r) => requestAnimationFrame(() => r(null)));
      }
    }, loaded),
  );
  const load = performance.now() - loadStart;
  const s = (n: number) => `${(n / 1000).toFixed(1)} s`;
  const dynamoAtRows = (dynamoFloor.ms * ROWS) / DYNAMO_ROWS;
  figures.push(
    `load ${ROWS.toLocaleString('en-US')} rows into the table through the harness's bridge (pages of 500 after the first 100; in-memory store behind it): ${s(load)}\n` +
      `  floor, DynamoDB Local paged by the app's store (SentinelStore.query, same page sizes, ${DYNAMO_ROWS.toLocaleString('en-US')} of the same rows` +
      `${DYNAMO_ROWS === ROWS ? '' : `, scaled to ${ROWS.toLocaleString('en-US')}`}; loading the table took ${s(dynamoFloor.seedMs)}): ` +
      `${s(dynamoFloor.ms)}${DYNAMO_ROWS === ROWS ? '' : ` (${s(dynamoAtRows)} scaled)`}, ${Math.round((DYNAMO_ROWS / dynamoFloor.ms) * 1000).toLocaleString('en-US')} items/s: load ${ratio(load, dynamoAtRows)} of it\n` +
      `  floor, the same pages through the same bridge from a blank page (no React), in-memory store: ${s(bridgeFloor)}: load ${ratio(load, bridgeFloor)} of it, the renderer's share ${s(load - bridgeFloor)}\n` +
      `  the in-memory store paged directly: ${ms(rawLoad)}`,
  );

  if (process.env.BENCH_DEBUG) console.log('phase: first render');
  // First render: leave the screen and come back; rows come from the cache.
  await page.getByRole('button', { name: 'Offboarding' }).click();
  const firstRender = await profiled(page, 'first-render', () => timeFirstRender(page, 'nav .rail-item', '[data-testid="session-row"]'));

  if (process.env.BENCH_DEBUG) console.log('phase: scrolling');
  const scroll = await profiled(page, 'scroll', () => scrollFrames(page, '.table-scroll'));
  const inDom = await page.locator('[data-testid="session-row"]').count();

  if (process.env.BENCH_DEBUG) console.log('phase: keystrokes');
  await page.getByLabel(/Search loaded rows/).click();
  const keys = await profiled(page, 'keystrokes', () => keystrokes(page, 'input[type="search"]', '[data-testid="sessions-count"]'));
  expect(await page.getByTestId('sessions-count').textContent()).toMatch(/match the search/);

  const n = ROWS.toLocaleString('en-US');
  figures.push(`sessions table vs minimal React + TanStack Virtual list, ${n} rows each, same Chromium, same run (rows in the table's DOM: ${inDom}):`);
  figures.push(`  first render:            ${ms(firstRender)} vs ${ms(floorFirst)} (${ratio(firstRender, floorFirst)})`);
  figures.push(`  scrolling frame median:  ${ms(scroll.median)} vs ${ms(floorScroll.median)} (${ratio(scroll.median, floorScroll.median)})`);
  figures.push(`  scrolling frame p95:     ${ms(scroll.p95)} vs ${ms(floorScroll.p95)} (${ratio(scroll.p95, floorScroll.p95)})`);
  // Each keystroke measure's median beside the floor's, then every keystroke of both.
  const keyFigure = (label: string, measure: keyof KeyTimes) => {
    const ours = keys.map((k) => k[measure]);
    const floor = floorKeys.map((k) => k[measure]);
    return `  ${label}: median ${ms(median(ours))} vs ${ms(median(floor))} (${ratio(median(ours), median(floor))}); each ${ours.map(ms).join(', ')} vs ${floor.map(ms).join(', ')}`;
  };
  figures.push(keyFigure(`keystroke to filtered table (${NEEDLES.length} needles, ${KEY_ROUNDS} rounds)`, 'total'));
  figures.push(keyFigure('the same, inside the page (keydown to the frame that shows the count)', 'page'));
  await app.close();
  await dir.remove();
});
