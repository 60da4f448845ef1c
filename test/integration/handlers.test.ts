import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { SentinelStore } from '../../src-main/sentinel/sentinel-store';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { tempDir } from '../fixtures/temp-dir';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const INFO: AppInfo = { version: 't', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:t' };

describe('the handler table over a real store', () => {
  let table: TestTable;
  let dispatch: Dispatch;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    table = await createSentinelTable(inject('dynamoEndpoint'));
    const now = Math.floor(Date.now() / 1000);
    await table.put(Array.from({ length: 12 }, (_, i) => sentinelItem({ seconds: now - 100 - i })));
    dir = await tempDir();
    const handlers = table.handlers(dir.path, INFO);
    dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'] });
  });
  afterAll(async () => {
    await table?.drop();
    await dir?.remove();
  });

  it('pages through the store with the cursors it hands out', async () => {
    const first = await dispatch('sessions:query', { limit: 5 }, OURS);
    if (!first.ok) throw new Error(first.error.message);
    const value = first.value as { sessions: unknown[]; nextCursor: string };
    const second = await dispatch('sessions:query', { limit: 5, cursor: value.nextCursor }, OURS);
    expect(second).toMatchObject({ ok: true, value: { sessions: expect.any(Array) } });
  });

  it.each([
    ['a made-up cursor', 'eyJ2IjoxLCJxIjoic3RhdHVzPWFjdGl2ZSJ9.Zm9yZ2Vk'],
    ['a cursor of random text', 'definitely-not-a-cursor'],
  ])('answers %s with INVALID_CURSOR, not a crash', async (_label, cursor) => {
    const result = await dispatch('sessions:query', { cursor }, OURS);
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_CURSOR', message: expect.stringContaining('Start again') } });
  });

  it('streams revoke progress to the calling window, ending at the total', async () => {
    const now = Math.floor(Date.now() / 1000);
    await table.put(Array.from({ length: 40 }, (_, i) => sentinelItem({ seconds: now - 500 - i }, { user: 'progress.user' })));
    const seen: unknown[] = [];
    const result = await dispatch('users:revoke', { users: ['progress.user'], reasonCode: 'offboarding', connection: { id: INFO.connection.id, nonce: INFO.connection.nonce } }, OURS, (event, payload) => seen.push([event, payload]));
    expect(result.ok).toBe(true);
    expect(seen[0]).toEqual(['revoke:progress', { done: 0, total: 40 }]);
    expect(seen.at(-1)).toEqual(['revoke:progress', { done: 40, total: 40 }]);
  });

  it('answers a store nobody listens for with STORE_UNAVAILABLE, quickly', async () => {
    // Port 9 (discard) on loopback: nothing listens, the real SDK client is refused.
    const client = DynamoDBDocumentClient.from(localDynamoClient('http://127.0.0.1:9'));
    const store = new SentinelStore({ client, tableName: 'sentinel', cursors: new CursorCodec(randomBytes(32)) });
    const handlers = { ...table.handlers(dir.path, INFO), 'sessions:query': (r: Parameters<typeof store.query>[0]) => store.query(r) };
    const gone = createDispatch(handlers, { trustedOrigins: ['app://warden'] });
    const started = Date.now();
    const result = await gone('sessions:query', {}, OURS);
    expect(result).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE', message: expect.stringContaining('could not be reached') } });
    expect(Date.now() - started).toBeLessThan(15_000);
    client.destroy();
  });
});
