import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { createLedgerTable, DynamoTeamChain } from '../../src-main/team-ledger/dynamo-chain';
import { RedisTeamChain } from '../../src-main/team-ledger/redis-chain';
import type { TeamChain } from '../../src-main/team-ledger/team-chain';
import { parseTeamLine, type TeamEntry } from '../../src-main/team-ledger/team-entry';
import { TeamLedger } from '../../src-main/team-ledger/team-ledger';
import { deviceId } from '../../src-main/team-ledger/device-id';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/** A team chain of one kind, with what a tamperer (someone with write access to the store) can do to it. */
interface ChainKit {
  chain(): TeamChain;
  /** Replaces the stored entry at `seq` with `entry` as given (hash and all). */
  overwrite(seq: number, entry: TeamEntry): Promise<void>;
  /** Removes the entry at `seq`. */
  remove(seq: number): Promise<void>;
  all(): Promise<TeamEntry[]>;
  clear(): Promise<void>;
}

function record(team: string, i: number, operator: string): LedgerRecord {
  return { kind: 'outcome', time: new Date(Date.UTC(2026, 10, 30, 9, 0, i)).toISOString(), operator, connection: 'prod', run: `run-${operator}`, sessionId: `s-${operator}-${i}`, user: `user${i}`, reasonCode: 'offboarding', outcome: 'revoked', team };
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/** Recomputes an entry's hashes (its own, and the local entry's it carries) as an attacker with write access would. */
function reseal(entry: TeamEntry, prev: string): TeamEntry {
  const local: Record<string, unknown> = { ...entry.entry };
  delete local.hash;
  const inner = { ...local, hash: sha(JSON.stringify(local)) } as TeamEntry['entry'];
  const body = { seq: entry.seq, prev, device: entry.device, entry: inner };
  return { ...body, hash: sha(JSON.stringify(body)) };
}

const KINDS: { name: string; setup: () => { kit: () => ChainKit; before: () => Promise<void>; after: () => Promise<void> } }[] = [
  {
    name: 'DynamoDB table',
    setup: () => {
      const table = `ledger-test-${randomBytes(5).toString('hex')}`;
      const base = localDynamoClient(inject('dynamoEndpoint'));
      const doc = DynamoDBDocumentClient.from(base);
      return {
        before: async () => {
          await createLedgerTable(base, table);
        },
        after: async () => {
          await base.send(new DeleteTableCommand({ TableName: table }));
        },
        kit: () => ({
          chain: () => new DynamoTeamChain(base, table, 'local'),
          overwrite: async (seq, entry) => {
            await doc.send(new PutCommand({ TableName: table, Item: { ledger: 'revocations', seq, hash: entry.hash, entry: JSON.stringify(entry) } }));
          },
          remove: async (seq) => {
            await doc.send(new DeleteCommand({ TableName: table, Key: { ledger: 'revocations', seq } }));
          },
          all: async () => (await new DynamoTeamChain(base, table, 'local').read(1, 1_000_000)).map((s) => JSON.parse(s.text) as TeamEntry),
          clear: async () => {
            for (const s of await new DynamoTeamChain(base, table, 'local').read(1, 1_000_000)) await doc.send(new DeleteCommand({ TableName: table, Key: { ledger: 'revocations', seq: s.seq } }));
          },
        }),
      };
    },
  },
  {
    name: 'Redis stream',
    setup: () => {
      let server: RunningRedis;
      let admin: Redis;
      const key = 'session-warden:revocations';
      return {
        before: async () => {
          server = await startRedisServer();
          admin = new Redis(server.url);
        },
        after: async () => {
          admin.disconnect();
          await server.stop();
        },
        kit: () => ({
          chain: () => new RedisTeamChain(admin, key, '127.0.0.1'),
          overwrite: async (seq, entry) => {
            // A stream entry cannot be edited in place: rebuild the stream with the one changed.
            const rows = await admin.xrange(key, '-', '+');
            await admin.del(key);
            for (const [id, fields] of rows) {
              const s = Number(id.split('-')[0]);
              await admin.xadd(key, id, ...(s === seq ? ['hash', entry.hash, 'entry', JSON.stringify(entry)] : fields));
            }
          },
          remove: async (seq) => {
            await admin.xdel(key, `${seq}-0`);
          },
          all: async () => (await admin.xrange(key, '-', '+')).map(([, f]) => JSON.parse(f[3] ?? '') as TeamEntry),
          clear: async () => {
            await admin.del(key);
          },
        }),
      };
    },
  },
];

describe.each(KINDS)('the team ledger in a $name', ({ setup }) => {
  const env = setup();
  let kit: ChainKit;
  let a: TempDir;
  let b: TempDir;
  beforeAll(async () => {
    await env.before();
    kit = env.kit();
  });
  afterAll(() => env.after());
  beforeEach(async () => {
    [a, b] = await Promise.all([tempDir(), tempDir()]);
  });
  afterEach(async () => {
    await Promise.all([a.remove(), b.remove()]);
    await kit.clear();
  });

  const desk = async (dir: TempDir) => {
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const chain = kit.chain();
    return { ledger, team: new TeamLedger({ ledger, chain, dataDir: dir.path, device: await deviceId(dir.path) }), id: chain.id };
  };

  it('two desks revoking at once build one chain: no fork, nothing lost, each sees the other', async () => {
    const [one, two] = await Promise.all([desk(a), desk(b)]);
    // Appends and deliveries interleave: several rounds of each desk race for the same positions.
    await Promise.all(
      [one, two].map(async (d, k) => {
        for (let round = 0; round < 5; round += 1) {
          await d.ledger.append(Array.from({ length: 7 }, (_, i) => record(d.id, round * 7 + i, k === 0 ? 'alice' : 'bob')));
          await d.team.deliver();
        }
      }),
    );
    await Promise.all([one.team.deliver(), two.team.deliver()]);
    const entries = await kit.all();
    expect(entries).toHaveLength(70);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
    for (let i = 1; i < entries.length; i += 1) expect(entries[i]?.prev).toBe(entries[i - 1]?.hash);
    // Every local entry is there once, in its desk's order, carrying its local seq and hash.
    for (const d of [one, two]) {
      const local: { seq: number; hash: string }[] = [];
      for await (const e of d.ledger.entries()) local.push({ seq: e.seq, hash: e.hash });
      const mine = entries.filter((e) => e.device === entries.find((x) => x.entry.hash === local[0]?.hash)?.device).map((e) => ({ seq: e.entry.seq, hash: e.entry.hash }));
      expect(mine).toEqual(local);
    }
    expect(new Set(entries.map((e) => e.entry.operator))).toEqual(new Set(['alice', 'bob']));
    for (const d of [one, two]) {
      const report = await d.team.verify();
      expect(report.ok).toBe(true);
      expect(report.team).toMatchObject({ ok: true, entries: 70, pending: 0 });
      expect((await d.team.status()).pending).toBe(0);
    }
  });

  it('the loser of a race for a position re-reads the tail and chains after the winner', async () => {
    const [one, two] = await Promise.all([desk(a), desk(b)]);
    await one.ledger.append([record(one.id, 1, 'alice')]);
    await two.ledger.append([record(two.id, 1, 'bob'), record(two.id, 2, 'bob')]);
    // Desk one has read the tail (empty) and is about to append when desk two takes position 1.
    const chain = kit.chain();
    let refused = 0;
    const racing: TeamChain = {
      id: chain.id,
      label: chain.label,
      maxBatch: chain.maxBatch,
      tail: () => chain.tail(),
      read: (from, limit) => chain.read(from, limit),
      readNewest: (before, limit) => chain.readNewest(before, limit),
      at: (seq) => chain.at(seq),
      close: () => chain.close(),
      append: async (entries, after) => {
        if (refused === 0) await two.team.deliver();
        const ok = await chain.append(entries, after);
        if (!ok) refused += 1;
        return ok;
      },
    };
    const racer = new TeamLedger({ ledger: one.ledger, chain: racing, dataDir: a.path, device: await deviceId(a.path) });
    expect(await racer.deliver()).toMatchObject({ pending: 0, lastError: null });
    expect(refused).toBe(1);
    const entries = await kit.all();
    expect(entries.map((e) => [e.seq, e.entry.operator])).toEqual([
      [1, 'bob'],
      [2, 'bob'],
      [3, 'alice'],
    ]);
    expect(entries[2]?.prev).toBe(entries[1]?.hash);
  });

  it('verifies again reading only what is new', async () => {
    const one = await desk(a);
    await one.ledger.append(Array.from({ length: 40 }, (_, i) => record(one.id, i, 'alice')));
    await one.team.deliver();
    expect((await one.team.verify()).team).toMatchObject({ ok: true, entries: 40, read: 40, full: true });
    await one.ledger.append([record(one.id, 41, 'alice'), record(one.id, 42, 'alice')]);
    await one.team.deliver();
    // The entry verified last time (its anchor) and the two new ones.
    expect((await one.team.verify()).team).toMatchObject({ ok: true, entries: 42, read: 3, full: false });
    expect((await one.team.verify({ full: true })).team).toMatchObject({ ok: true, entries: 42, read: 42, full: true });
  });

  it('the same store named two ways (an app and a command line typing its address differently) loses nothing', async () => {
    const ledger = new Ledger(join(a.path, 'ledger.jsonl'));
    const device = await deviceId(a.path);
    const base = kit.chain();
    // The same chain under another id: what a differently typed endpoint or URL gives.
    const other: TeamChain = { ...delegate(base), id: `${base.id}-typed-otherwise` };
    const app = new TeamLedger({ ledger, chain: base, dataDir: a.path, device });
    const cli = new TeamLedger({ ledger, chain: other, dataDir: a.path, device });
    await ledger.append([record(base.id, 1, 'alice'), record(base.id, 2, 'alice')]); // the app could not deliver these yet
    await ledger.append([record(other.id, 3, 'alice')]);
    expect(await cli.deliver()).toMatchObject({ pending: 0, lastError: null });
    expect(await app.deliver()).toMatchObject({ pending: 0, lastError: null });
    expect((await kit.all()).map((e) => e.entry.sessionId).sort()).toEqual(['s-alice-1', 's-alice-2', 's-alice-3']);
  });

  it('a desk whose device id changed and whose delivery record was lost delivers nothing twice', async () => {
    const one = await desk(a);
    await one.ledger.append([record(one.id, 1, 'alice'), record(one.id, 2, 'alice')]);
    await one.team.deliver();
    await removeTeamState(a.path);
    const renamed = new TeamLedger({ ledger: one.ledger, chain: kit.chain(), dataDir: a.path, device: '00000000-0000-4000-8000-000000000001' });
    await one.ledger.append([record(one.id, 3, 'alice')]);
    expect(await renamed.deliver()).toMatchObject({ pending: 0, lastError: null });
    expect((await kit.all()).map((e) => e.entry.seq)).toEqual([1, 2, 3]);
  });

  it("this desk's delivered entries dropped from the chain's end before it ever verified: found", async () => {
    const one = await desk(a);
    await one.ledger.append([1, 2, 3].map((i) => record(one.id, i, 'alice')));
    await one.team.deliver();
    await kit.remove(3);
    await kit.remove(2);
    const report = await one.team.verify();
    expect(report.ok).toBe(false);
    expect(report.team.reason).toMatch(/no longer has entry 3, which this desk's delivery read or wrote/);
  });

  it('a forged delivery record neither hides an entry from delivery nor passes verification', async () => {
    const one = await desk(a);
    await one.ledger.append([record(one.id, 1, 'alice')]);
    await one.team.deliver();
    await one.ledger.append([record(one.id, 2, 'alice')]);
    const [head] = await kit.all();
    const state = (await readdir(a.path)).find((f) => f.endsWith('.delivered.json')) ?? '';
    // "Local entry 999 is already on the chain": nothing after it would ever be sent.
    await writeFile(join(a.path, state), JSON.stringify({ id: one.id, head: { seq: 1, hash: head?.hash }, mine: { seq: 999, hash: 'x' } }));
    const before = await one.team.verify();
    expect(before.ok).toBe(false);
    expect(before.team.reason).toMatch(/delivered its local entry 999 to the team ledger, which does not hold it/);
    expect(await one.team.deliver()).toMatchObject({ pending: 0, lastError: null });
    expect((await kit.all()).map((e) => e.entry.seq)).toEqual([1, 2]);
    expect((await one.team.verify()).ok).toBe(true);
  });

  describe('tampering that one person can do is found', () => {
    let one: Awaited<ReturnType<typeof desk>>;
    let two: Awaited<ReturnType<typeof desk>>;
    beforeEach(async () => {
      [one, two] = await Promise.all([desk(a), desk(b)]);
      await one.ledger.append(Array.from({ length: 6 }, (_, i) => record(one.id, i, 'alice')));
      await one.team.deliver();
      await two.ledger.append(Array.from({ length: 4 }, (_, i) => record(two.id, i, 'bob')));
      await two.team.deliver();
      expect((await one.team.verify()).ok).toBe(true);
      expect((await two.team.verify()).ok).toBe(true);
    });

    it('the local ledger and its head deleted together', async () => {
      await rm(join(a.path, 'ledger.jsonl'));
      await rm(join(a.path, 'ledger.jsonl.head'));
      const report = await one.team.verify();
      expect(report.ok).toBe(false);
      expect(report.team.reason).toMatch(/missing from the local ledger/);
      // Even with this desk's own record of what it verified gone too: the team chain remembers.
      await removeTeamState(a.path);
      const fresh = await desk(a);
      const again = await fresh.team.verify();
      expect(again.ok).toBe(false);
      expect(again.team.reason).toMatch(/does not have \(local files deleted, truncated or rewritten\)/);
    });

    it('the local ledger truncated, with a head forged to match', async () => {
      const kept = (await readFile(join(a.path, 'ledger.jsonl'), 'utf8')).split('\n').slice(0, 3);
      await writeFile(join(a.path, 'ledger.jsonl'), `${kept.join('\n')}\n`);
      const third = JSON.parse(kept[2] ?? '') as { seq: number; hash: string };
      await writeFile(join(a.path, 'ledger.jsonl.head'), JSON.stringify({ seq: third.seq, hash: third.hash }));
      expect((await one.ledger.verify()).ok).toBe(true); // the local file alone cannot tell
      const report = await one.team.verify();
      expect(report.ok).toBe(false);
      expect(report.team.reason).toMatch(/local ledger/);
    });

    it('a team entry edited', async () => {
      const entries = await kit.all();
      const target = entries[2];
      if (!target) throw new Error('no entry 3');
      await kit.overwrite(target.seq, { ...target, entry: { ...target.entry, user: 'nobody' } });
      const report = await one.team.verify({ full: true });
      expect(report.ok).toBe(false);
      expect(report.team.brokenAt).toBe(3);
      expect(report.team.reason).toMatch(/altered/);
    });

    it('the team chain rewritten consistently (every hash recomputed)', async () => {
      const entries = await kit.all();
      let prev = '0'.repeat(64);
      const forged = entries.map((e, i) => {
        // Drop bob's third revocation from the record and chain everything again.
        const body = i === 7 ? { ...e, entry: { ...e.entry, user: 'someone-else' } } : e;
        const sealed = reseal(body, prev);
        prev = sealed.hash;
        return sealed;
      });
      for (const e of forged) await kit.overwrite(e.seq, e);
      // Each forged entry is well formed: only a desk that saw the history before can tell.
      expect(forged.filter((e) => 'error' in parseTeamLine(JSON.stringify(e)))).toEqual([]);
      const report = await one.team.verify();
      expect(report.ok).toBe(false);
      expect(report.team.reason).toMatch(/rewritten/);
    });

    it("the team chain's tail dropped", async () => {
      await kit.remove(10);
      await kit.remove(9);
      for (const d of [one, two]) {
        const report = await d.team.verify();
        expect(report.ok).toBe(false);
        expect(report.team.reason).toMatch(/no longer has entry 10/);
      }
      // Delivery will not chain onto a history it knows was cut.
      await one.ledger.append([record(one.id, 99, 'alice')]);
      expect((await one.team.deliver()).lastError).toMatch(/dropped/);
    });
  });
});

/** A chain that forwards to another (its methods use private fields, so no spreading the object itself). */
function delegate(chain: TeamChain): TeamChain {
  return {
    id: chain.id,
    label: chain.label,
    maxBatch: chain.maxBatch,
    tail: () => chain.tail(),
    append: (entries, after) => chain.append(entries, after),
    read: (from, limit) => chain.read(from, limit),
    readNewest: (before, limit) => chain.readNewest(before, limit),
    at: (seq) => chain.at(seq),
    close: () => chain.close(),
  };
}

async function removeTeamState(dir: string): Promise<void> {
  for (const f of await readdir(dir)) if (f.startsWith('team-ledger-')) await rm(join(dir, f), { force: true });
}

describe('a Redis team stream whose last entry was deleted (XDEL)', () => {
  it('is said to be damaged, not unreachable, and nothing is appended after the gap', async () => {
    const server = await startRedisServer();
    const admin = new Redis(server.url);
    const dir = await tempDir();
    try {
      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const chain = new RedisTeamChain(admin, 'session-warden:revocations', '127.0.0.1');
      const team = new TeamLedger({ ledger, chain, dataDir: dir.path, device: await deviceId(dir.path) });
      await ledger.append([record(chain.id, 1, 'alice'), record(chain.id, 2, 'alice')]);
      await team.deliver();
      await admin.xdel('session-warden:revocations', '2-0');
      await removeTeamState(dir.path); // a desk that never saw entry 2
      await ledger.append([record(chain.id, 3, 'alice')]);
      const status = await team.deliver();
      expect(status.lastError).toMatch(/had an entry after 1 that was deleted \(XDEL\): no desk can append until the entry is restored/);
      expect((await admin.xrange('session-warden:revocations', '-', '+')).map(([id]) => id)).toEqual(['1-0']);
    } finally {
      admin.disconnect();
      await server.stop();
      await dir.remove();
    }
  });
});
