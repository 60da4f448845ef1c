import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionIdSchema } from '../../src-shared/session';
import { parseExactTime } from '../../src-main/stores/exact-time';
import { openDemoWorkspace, type Workspace } from '../../src-main/workspace';
import { tempDir } from '../fixtures/temp-dir';
import { startDemoStore, type DemoStore } from '../../src-main/demo/demo-store';

const NO_EVENTS = { emit: () => undefined };
const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?(Z|[+-]\d\d:\d\d)$/;

describe('the embedded demo store (no external service)', () => {
  let demo: DemoStore;
  beforeAll(async () => {
    demo = await startDemoStore();
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('listens on 127.0.0.1 only', () => {
    expect(demo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('seeds ~500 sessions in Sentinel\'s exact item format', async () => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await demo.client.send(new ScanCommand({ TableName: demo.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    expect(items).toHaveLength(500);
    const counts = { active: 0, revoked: 0, expired: 0 };
    for (const item of items) {
      expect(SessionIdSchema.safeParse(item.id).success).toBe(true);
      for (const field of ['created_at', 'started_at', 'last_access_at', 'expires_at', 'updated_at']) {
        expect(item[field], field).toMatch(RFC3339_NANO);
      }
      expect(item.ttl).toBe(parseExactTime(String(item.expires_at))?.epochSeconds);
      expect(Number.isInteger(item.request_count)).toBe(true);
      counts[item.status as keyof typeof counts] += 1;
      if (item.status === 'revoked') {
        expect(item.revoked_by).toEqual(expect.any(String));
        expect(item.revoked_reason).toEqual(expect.any(String));
      } else {
        expect(item.revoked_by).toBeUndefined();
      }
    }
    expect(counts.active).toBeGreaterThan(counts.revoked);
    expect(counts.revoked).toBeGreaterThan(20);
    expect(counts.expired).toBeGreaterThan(20);
    expect(new Set(items.map((i) => i.user)).size).toBeGreaterThan(5);
    expect(new Set(items.map((i) => i.server_instance_id)).size).toBeGreaterThan(2);
    // Go trims trailing zeros: whole-second and short fractions both occur.
    expect(items.some((i) => /:\d\dZ$/.test(String(i.created_at)))).toBe(true);
    expect(items.some((i) => /\.\d{1,3}Z$/.test(String(i.created_at)))).toBe(true);
    expect(items.some((i) => /\+02:00$/.test(String(i.updated_at)))).toBe(true);
  });
});

describe('the demo workspace (what the app opens on with nothing configured)', () => {
  let workspace: Workspace;
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
    workspace = await openDemoWorkspace('0.0.0-test', dir.path, { chooseSavePath: async () => null, notify: () => undefined });
  });
  afterAll(async () => {
    await workspace?.close();
    await dir?.remove();
  });

  it('is marked DEMO and records operators as local users', async () => {
    const info = await workspace.handlers['app:info'](undefined, NO_EVENTS);
    expect(info.connection).toMatchObject({ kind: 'demo', environment: 'demo' });
    expect(info.operator).toMatch(/^local:.+/);
  });

  it('answers a sessions query, newest first', async () => {
    const page = await workspace.handlers['sessions:query']({ status: 'active', limit: 50 }, NO_EVENTS);
    expect(page.sessions).toHaveLength(50);
    expect(page.nextCursor).toBeDefined();
    expect(page.sessions.every((s) => s.status === 'active')).toBe(true);
    const times = page.sessions.map((s) => s.createdAt as string);
    expect([...times].sort().reverse()).toEqual(times);
  });
});
