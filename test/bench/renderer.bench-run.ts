import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppInfo, SessionsPage, SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { createHandlers } from '../../src-main/handlers';
import { Ledger } from '../../src-main/ledger/ledger';
import type { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import type { SessionStore } from '../../src-main/session-store';
import { launchChromium, openApp, serveBuiltRenderer, type RendererServer } from '../e2e/harness';
import { tempDir } from '../fixtures/temp-dir';
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

class InMemoryStore implements SessionStore {
  constructor(readonly sessions: Session[]) {}
  async query(request: SessionsQueryRequest): Promise<SessionsPage> {
    const start = request.cursor ? Number(request.cursor) : 0;
    const page = this.sessions.slice(start, start + request.limit);
    const next = start + page.length;
    return { sessions: page, ...(next < this.sessions.length ? { nextCursor: String(next) } : {}) };
  }
  async get(id: string): Promise<Session | null> {
    return this.sessions.find((s) => s.id === id) ?? null;
  }
  async activeUsers(): Promise<{ user: string; live: number; emails: string[] }[]> {
    const live = new Map<string, number>();
    for (const s of this.sessions) if (s.status === 'active') live.set(s.user, (live.get(s.user) ?? 0) + 1);
    return [...live].map(([user, count]) => ({ user, live: count, emails: [] }));
  }
  async hasUser(user: string): Promise<boolean> {
    return this.sessions.some((s) => s.user === user);
  }
}

function sessions(): Session[] {
  const now = Date.now();
  return Array.from({ length: ROWS }, (_, i) => {
    const created = new Date(now - i * 1000).toISOString().replace('Z', '000000Z');
    return {
      id: randomBytes(8).toString('hex'),
      user: `user${i % 5000}`,
      profile: `profile-${i % 12}`,
      serverInstanceId: `sentinel-${i % 6}`,
      status: 'active',
      storedStatus: 'active',
      createdAt: created,
      startedAt: created,
      lastAccessAt: created,
      expiresAt: new Date(now + 3600e3).toISOString().replace('Z', '000000Z'),
      updatedAt: created,
      requestCount: i % 900,
      sourceIdentity: `sentinel:user${i % 5000}:${i.toString(16)}`,
      deviceId: randomBytes(8).toString('hex'),
      revokedBy: null,
      revokedAt: null,
      revokedReason: null,
    };
  });
}

beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), serveBuiltRenderer()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  console.log(`\n${figures.join('\n')}\n`);
});

it(`renders, scrolls and searches ${ROWS.toLocaleString('en-US')} loaded rows`, async () => {
  const dir = await tempDir();
  const info: AppInfo = { version: 'bench', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'bench', kind: 'dynamodb', environment: 'bench', table: 'in-memory', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:bench' };
  const handlers = createHandlers({
    ledgerConnection: 'bench',
    store: new InMemoryStore(sessions()),
    revoker: {} as SentinelRevoker,
    ledger: new Ledger(`${dir.path}/ledger.jsonl`),
    info: () => info,
    chooseSavePath: async () => null,
    notify: () => undefined,
  });
  const app = await openApp(browser, server, handlers);
  const { page } = app;
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
  await page.getByRole('button', { name: 'Pause' }).click();

  // Load every page by scrolling to the end until all rows are in.
  const loadStart = performance.now();
  for (;;) {
    const text = (await page.getByTestId('sessions-count').textContent()) ?? '';
    if (text.startsWith(`${ROWS.toLocaleString('en-US')} loaded`)) break;
    if (process.env.BENCH_DEBUG) console.log(text);
    await page.locator('.table-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForTimeout(20);
  }
  figures.push(`loaded ${ROWS.toLocaleString('en-US')} rows through the IPC bridge in ${((performance.now() - loadStart) / 1000).toFixed(1)} s (pages of 500 after the first 100)`);

  if (process.env.BENCH_DEBUG) console.log('phase: first render');
  // First render: leave the screen and come back; rows come from the cache.
  await page.getByRole('button', { name: 'Offboarding' }).click();
  const firstRender = await page.evaluate(async () => {
    const start = performance.now();
    (document.querySelector('nav .rail-item') as HTMLButtonElement).click();
    await new Promise<void>((resolve) => {
      const check = () => (document.querySelector('[data-testid="session-row"]') ? resolve() : requestAnimationFrame(check));
      check();
    });
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    return performance.now() - start;
  });
  figures.push(`first render of the table with ${ROWS.toLocaleString('en-US')} rows loaded: ${firstRender.toFixed(0)} ms`);

  if (process.env.BENCH_DEBUG) console.log('phase: scrolling');
  // Scrolling: 240 frames, 400 px per frame, through the list.
  const frames = await page.evaluate(async () => {
    const el = document.querySelector('.table-scroll') as HTMLElement;
    el.scrollTo(0, 0);
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
  });
  const p95 = frames[Math.floor(frames.length * 0.95)] as number;
  const median = frames[Math.floor(frames.length / 2)] as number;
  figures.push(`scrolling: frame time median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (rows in the DOM: ${await page.locator('[data-testid="session-row"]').count()})`);

  if (process.env.BENCH_DEBUG) console.log('phase: keystrokes');
  // Keystroke in search to the filtered table.
  await page.getByLabel(/Search loaded rows/).click();
  const keystrokes: number[] = [];
  for (const needle of ['user4999', 'profile-11', 'sentinel:user1:']) {
    await page.getByLabel(/Search loaded rows/).fill(needle.slice(0, -1));
    const before = await page.getByTestId('sessions-count').textContent();
    // From the key press to the next frame after the count has changed (includes the
    // protocol round trip, so it slightly overstates the time).
    const start = performance.now();
    await page.keyboard.press(needle.at(-1) as string);
    await page.waitForFunction((text) => document.querySelector('[data-testid="sessions-count"]')?.textContent !== text, before, { polling: 'raf' });
    keystrokes.push(performance.now() - start);
  }
  expect(await page.getByTestId('sessions-count').textContent()).toMatch(/match the search/);
  figures.push(`keystroke in search to filtered table (${ROWS.toLocaleString('en-US')} rows): ${keystrokes.map((k) => `${k.toFixed(0)} ms`).join(', ')}`);
  await app.close();
  await dir.remove();
});
