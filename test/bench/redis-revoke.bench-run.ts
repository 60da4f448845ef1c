import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Ledger } from '../../src-main/ledger/ledger';
import { CursorCodec } from '../../src-main/stores/cursor';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import { connectRedis, type RedisClient } from '../../src-main/web-sessions/redis-target';
import { RedisRevoker } from '../../src-main/web-sessions/redis-writer';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { revocationState, webSession, writeWebSessions } from '../fixtures/web-sessions';

/**
 * On a real redis-server: revoking every one of 10,000 web sessions of one user in one go
 * (listing through user_sessions, then a compare-and-set script per session, pipelined), with
 * the ledger fsynced; and listing 50,000 sessions by SCAN. Prints figures; asserts correctness.
 */
let server: RunningRedis;
let admin: Redis;
let client: RedisClient;
let dir: TempDir;
const figures: string[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
  client = await connectRedis({ urls: [server.url] });
  dir = await tempDir();
});
afterAll(async () => {
  client?.disconnect();
  admin?.disconnect();
  await server?.stop();
  await dir?.remove();
  console.log(`\n${figures.join('\n')}\n`);
});

it('revokes 10,000 web sessions of one user', async () => {
  const now = Date.now();
  const sessions = Array.from({ length: 10_000 }, (_, i) => webSession('bench.leaver', now, { ageMs: (i + 1) * 1000 }));
  for (let i = 0; i < sessions.length; i += 1000) await writeWebSessions(admin, sessions.slice(i, i + 1000), now);
  const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)) });
  const revoker = new RedisRevoker({ client, store, ledger: new Ledger(join(dir.path, 'ledger.jsonl')), operator: 'local:bench', connection: 'bench' });

  const started = performance.now();
  const report = await revoker.revokeUsers({ users: ['bench.leaver'], reasonCode: 'offboarding', ticket: 'HR-BENCH' });
  const ms = performance.now() - started;
  expect(report.results.filter((r) => r.outcome === 'revoked')).toHaveLength(10_000);
  const states = await Promise.all(sessions.map((s) => revocationState(admin, s)));
  expect(states.every((s) => s === 'revoked')).toBe(true);
  figures.push(
    `Redis: 10,000 sessions of one user revoked in ${(ms / 1000).toFixed(2)} s (${Math.round(10_000 / (ms / 1000)).toLocaleString('en-US')} sessions/s), ` +
      `20,000 ledger entries fsynced, every session verified fully revoked`,
  );
});

it('lists 50,000 web sessions by SCAN, page after page', async () => {
  await admin.flushall();
  const now = Date.now();
  const sessions = Array.from({ length: 50_000 }, (_, i) => webSession(`user${i % 2000}`, now, { ageMs: (i + 1) * 1000 }));
  for (let i = 0; i < sessions.length; i += 2000) await writeWebSessions(admin, sessions.slice(i, i + 2000), now);
  const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)) });
  const started = performance.now();
  const firstPage = await store.query({ status: 'active', limit: 100 });
  const firstMs = performance.now() - started;
  let count = firstPage.sessions.length;
  let pages = 1;
  let cursor = firstPage.nextCursor;
  while (cursor) {
    const page = await store.query({ status: 'active', limit: 500, cursor });
    count += page.sessions.length;
    cursor = page.nextCursor;
    pages += 1;
  }
  const ms = performance.now() - started;
  expect(count).toBe(50_000);
  figures.push(`Redis: first page (100) of 50,000 sessions in ${firstMs.toFixed(0)} ms; all 50,000 in ${pages} pages in ${(ms / 1000).toFixed(2)} s`);
});
