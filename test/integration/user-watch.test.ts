import { describe, expect, it } from 'vitest';
import type { AppInfo, EventName } from '../../src-shared/contract';
import { createDispatch, type Emit } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { UserWatch } from '../../src-main/watch/user-watch';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:tester' };
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Watched users' new sessions are detected in main (one query per watched user a tick, on a real
 * Sentinel table), sent to the window as `watch:new` and raised as a system notification.
 */
describe("main's watch of users' new sessions", () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });

  /** DynamoDB requests sent while `work` runs. */
  async function counted<T>(work: () => Promise<T>): Promise<string[]> {
    const requests: string[] = [];
    const name = `watch-count-${Math.random()}`;
    table.client.middlewareStack.add(
      (next, context) => async (args) => {
        requests.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await work();
      return requests;
    } finally {
      table.client.middlewareStack.remove(name);
    }
  }

  it('reads each watched user once a tick, alerts a new session once (event and notification), and nothing for others or the sessions already there', async () => {
    const zed = sentinelItem({ seconds: nowSeconds() - 300 }, { user: 'zed.watch' });
    const amy = sentinelItem({ seconds: nowSeconds() - 200 }, { user: 'amy.watch' });
    await table.put([zed, amy, sentinelItem({ seconds: nowSeconds() - 100 }, { user: 'bystander' })]);
    const events: { event: EventName; payload: unknown }[] = [];
    const emit: Emit = (event, payload) => events.push({ event, payload });
    const notes: { title: string; body: string }[] = [];
    const watch = new UserWatch({ store: table.store(), notify: (n) => notes.push(n) });
    try {
      // A long period: the test ticks by hand. Watching reads each new user at once (what is already there).
      await expect(watch.set(['zed.watch', 'amy.watch'], 3_600_000, emit)).resolves.toEqual({ watching: 2 });
      await watch.tick();
      expect(events).toEqual([]);

      const again = sentinelItem({ seconds: nowSeconds() }, { user: 'zed.watch', profile: 'prod-admin' });
      await table.put([again, sentinelItem({ seconds: nowSeconds() }, { user: 'bystander' })]);
      const requests = await counted(() => watch.tick());
      expect(requests).toEqual(['QueryCommand', 'QueryCommand']);
      expect(events).toEqual([{ event: 'watch:new', payload: { alerts: [{ user: 'zed.watch', sessionId: again.id }] } }]);
      expect(notes).toHaveLength(1);
      expect(notes[0]?.title).toBe('New session of watched user zed.watch');
      expect(notes[0]?.body).toContain(again.id);

      // Seen once is seen: the next tick says nothing.
      await watch.tick();
      expect(events).toHaveLength(1);

      // Unwatched: no longer read.
      await watch.set(['zed.watch'], 3_600_000, emit);
      expect(await counted(() => watch.tick())).toEqual(['QueryCommand']);
    } finally {
      await watch.stop();
    }
  });

  it('through the contract: watch:set answers how many are watched, and the watch:new event reaches the window validated', async () => {
    const dispatch = createDispatch(table.handlers(dir.path, INFO), { trustedOrigins: ['app://warden'] });
    const sender = { url: 'app://warden/index.html', isMainFrame: true };
    const received: { event: string; payload: unknown }[] = [];
    const sink = (event: string, payload: unknown) => received.push({ event, payload });
    await table.put([sentinelItem({ seconds: nowSeconds() - 50 }, { user: 'yan.watch' })]);
    // Answered once what is already there has been read: the session begun next is new.
    await expect(dispatch('watch:set', { users: ['yan.watch'], everyMs: 1_000 }, sender, sink)).resolves.toEqual({ ok: true, value: { watching: 1 } });
    const fresh = sentinelItem({ seconds: nowSeconds() }, { user: 'yan.watch' });
    await table.put([fresh]);
    await expect.poll(() => received, { timeout: 15_000 }).toEqual([{ event: 'watch:new', payload: { alerts: [{ user: 'yan.watch', sessionId: fresh.id }] } }]);
    // Paused and emptied: nothing is read any more.
    await expect(dispatch('watch:set', { users: [], everyMs: null }, sender, sink)).resolves.toEqual({ ok: true, value: { watching: 0 } });
    await expect(dispatch('watch:set', { users: ['x'], everyMs: 10 }, sender, sink)).resolves.toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });
});
