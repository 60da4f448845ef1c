import { QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { FIRST_PAGE_SIZE, rereadAfterRevoke, type RefreshClient, type SessionPages } from '../../src-renderer/src/features/sessions/use-sessions';
import { dispatchCall, listKey as keyOf, listRows as rows, observeList, type ListFilter } from '../fixtures/renderer-lists';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:tester' };
type Filter = ListFilter;

/**
 * Review of 4c53ec2 (a revocation reads back what it named instead of loading every list again):
 * the lists as the renderer's query cache holds them, over a real Sentinel table (DynamoDB Local)
 * through the production dispatcher, must show what the store holds once the read-back is done.
 */
describe('after a revocation, the cached sessions lists show what the store holds (review)', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  const stop: (() => void)[] = [];
  afterEach(() => {
    for (const s of stop.splice(0)) s();
  });

  /** The renderer's client through the dispatcher; a next page (a scroll) can be held until released. */
  function clientOver(t: TestTable, hold: { next: Promise<void> | null }): RefreshClient {
    const call = dispatchCall(t.handlers(dir.path, INFO));
    return {
      query: async (request) => {
        const answer = await call('sessions:query', request);
        if (request.cursor && hold.next) await hold.next;
        return answer;
      },
      getMany: (request) => call('sessions:getMany', request),
    };
  }

  const observe = (queryClient: QueryClient, client: RefreshClient, filter: Filter) => observeList(queryClient, client, filter, stop);

  it('a page scrolled in while the read-back is in flight does not bring a revoked session back as active (review)', async () => {
    const now = Math.floor(Date.now() / 1000) + 600;
    const mine = Array.from({ length: 400 }, (_, i) => sentinelItem({ seconds: now - i }, { user: i === 40 ? 'nina.target' : 'bystander' }));
    await table.put(mine);
    const hold: { next: Promise<void> | null } = { next: null };
    const client = clientOver(table, hold);
    const queryClient = new QueryClient();
    const observer = observe(queryClient, client, { status: 'active' });
    await observer.refetch();
    const target = mine[40] as (typeof mine)[0];
    expect(rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'active' }))).some((s) => s.id === target.id)).toBe(true);
    const report = await table.revoker(dir.path).revokeSessions({ ids: [target.id], reasonCode: 'credential_compromise' });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked']);

    // The revocation is done (onSettled): the read-back begins; the operator scrolls to the end of the table meanwhile.
    let release: () => void = () => undefined;
    hold.next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reading = rereadAfterRevoke(queryClient, [target.id], client);
    const scrolled = observer.fetchNextPage();
    await reading;
    // The read-back took the store's word: the revoked session left the active list.
    expect(rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'active' }))).some((s) => s.id === target.id)).toBe(false);
    release();
    await scrolled;
    const active = rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'active' })));
    expect(active.length).toBeGreaterThanOrEqual(FIRST_PAGE_SIZE - 1);
    // The store holds it revoked: the active list must not show it (however the page scrolled in was settled).
    expect(active.find((s) => s.id === target.id)?.status).toBeUndefined();
    queryClient.clear();
  }, 120_000);

  it('a list of revoked sessions loaded before the revocation shows the session it revoked (review)', async () => {
    const now = Math.floor(Date.now() / 1000) + 600;
    // 300 sessions a second apart, every other one revoked already; the list of revoked sessions loads its first 100.
    const all = Array.from({ length: 300 }, (_, i) => sentinelItem({ seconds: now - i }, { user: i % 2 === 0 ? 'gone' : 'bystander' }));
    await table.put(all);
    await table.revoker(dir.path).revokeUsers({ users: ['gone'], reasonCode: 'offboarding' });
    const client = clientOver(table, { next: null });
    const queryClient = new QueryClient();
    const revokedList = observe(queryClient, client, { status: 'revoked' });
    await revokedList.refetch();
    const before = rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'revoked' })));
    expect(before).toHaveLength(FIRST_PAGE_SIZE);
    // A bystander's session in the middle of the loaded range (older than the 25 rows of the head, newer than the last row loaded).
    const target = all[101] as (typeof all)[0];
    expect(target.created_at > (before[before.length - 1]?.createdAt ?? '')).toBe(true);
    const report = await table.revoker(dir.path).revokeSessions({ ids: [target.id], reasonCode: 'credential_compromise' });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked']);

    await rereadAfterRevoke(queryClient, report.results.map((r) => r.id), client);
    const after = rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'revoked' })));
    // What a full load shows now: the store's revoked sessions, newest first, as far as the loaded rows reach.
    expect(after.map((s) => s.id)).toContain(target.id);
    queryClient.clear();
  }, 120_000);
});
