import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableOutbox, outboxPathFor, type TornTailReport } from '../../src-main/revocation/outbox';
import { withShortWrites } from '../fixtures/short-writes';
import { tempDir } from '../fixtures/temp-dir';

const write = (id: string, expiresAtMs = 1) => ({ id: id.repeat(16).slice(0, 16), reason: 'offboarding', expiresAtMs });

describe('the blacklist outbox', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let path: string;
  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir.path, 'outbox.jsonl');
  });
  afterEach(() => dir.remove());

  it('keeps what another process still has pending when it compacts', async () => {
    const a = new DurableOutbox(path);
    const b = new DurableOutbox(path);
    await a.add({ id: 'aaaaaaaaaaaaaaaa', reason: 'offboarding', expiresAtMs: 1 });
    await b.add({ id: 'bbbbbbbbbbbbbbbb', reason: 'offboarding', expiresAtMs: 2 });
    await a.done('aaaaaaaaaaaaaaaa');
    const restarted = new DurableOutbox(path);
    await restarted.load();
    expect(restarted.pending()).toEqual([{ id: 'bbbbbbbbbbbbbbbb', reason: 'offboarding', expiresAtMs: 2 }]);
    await b.done('bbbbbbbbbbbbbbbb');
    expect(await readFile(path, 'utf8')).toBe('');
  });

  it('sees what another process added since the last load (each retry reads the file again)', async () => {
    const app = new DurableOutbox(path);
    await app.load();
    expect(app.pending()).toEqual([]);
    await new DurableOutbox(path).add(write('c'));
    await app.load();
    expect(app.pending()).toEqual([write('c')]);
    // ...and what another process finished meanwhile is no longer pending here either.
    const cli = new DurableOutbox(path);
    await cli.load();
    await cli.done(write('c').id);
    await app.load();
    expect(app.pending()).toEqual([]);
  });

  it('cuts a torn last line (a crash mid-append) before the next add, so that add is not lost, and reports the cut', async () => {
    const reports: TornTailReport[] = [];
    await new DurableOutbox(path).add(write('a'));
    await writeFile(path, '{"op":"add","id":"bbbbbbbb', { flag: 'a' });
    const outbox = new DurableOutbox(path, { onRecover: (report) => reports.push(report) });
    await outbox.add(write('c'));
    const restarted = new DurableOutbox(path);
    await restarted.load();
    expect(restarted.pending()).toEqual([write('a'), write('c')]);
    expect(reports).toEqual([expect.objectContaining({ path, bytes: 26 })]);
    expect(await readFile(reports[0]?.keptIn as string, 'utf8')).toBe('{"op":"add","id":"bbbbbbbb');
  });

  it('still reads a confirmed entry that an older version glued onto a torn line', async () => {
    const confirmed = JSON.stringify({ op: 'add', ...write('d') });
    await writeFile(path, `${JSON.stringify({ op: 'add', ...write('a') })}\n{"op":"add","id":"bbbb${confirmed}\n`);
    const outbox = new DurableOutbox(path);
    await outbox.load();
    expect(outbox.pending()).toEqual([write('a'), write('d')]);
  });

  it('says when each pending write was first queued, and reads lines written before it did', async () => {
    await writeFile(path, `${JSON.stringify({ op: 'add', ...write('a') })}\n`);
    let now = 1_000_000;
    const outbox = new DurableOutbox(path, { clock: () => now });
    await outbox.add(write('b'));
    now += 60_000;
    await outbox.add(write('b', 5)); // queued again: still waiting since the first time
    await outbox.add(write('c'));
    const status = await outbox.status();
    expect(status.pending).toEqual([
      { ...write('a'), queuedAtMs: null },
      { ...write('b', 5), queuedAtMs: 1_000_000 },
      { ...write('c'), queuedAtMs: 1_060_000 },
    ]);
    expect(status.oldestQueuedAtMs).toBe(1_000_000);
    // Compaction keeps the times.
    await outbox.done(write('a').id);
    const restarted = new DurableOutbox(path);
    expect((await restarted.status()).pending.map((p) => p.queuedAtMs)).toEqual([1_000_000, 1_060_000]);
    expect(restarted.pending()).toEqual([write('b', 5), write('c')]);
  });

  it('writes every byte when the file system takes only part of a write', async () => {
    // At most 5 bytes per call, as a full disk, a signal or a network file system may do.
    const { shortWrites, restore } = await withShortWrites(dir.path, 5);
    const outbox = new DurableOutbox(path);
    try {
      await outbox.add(write('a'));
      await outbox.add(write('b'));
    } finally {
      restore();
    }
    expect(shortWrites()).toBeGreaterThan(0);
    const restarted = new DurableOutbox(path);
    await restarted.load();
    expect(restarted.pending()).toEqual([write('a'), write('b')]);
    expect((await readdir(dir.path)).filter((f) => f.includes('.torn-'))).toEqual([]);
  });

  it('has one file per Redis target, named without credentials', () => {
    const plain = outboxPathFor('/data', 'redis://10.0.0.5:6379/0');
    expect(outboxPathFor('/data', 'redis://ops:hunter2@10.0.0.5:6379/0')).toBe(plain);
    expect(outboxPathFor('/data', 'redis://10.0.0.6:6379/0')).not.toBe(plain);
    expect(plain).toMatch(/^\/data\/blacklist-outbox-[0-9a-f]{16}\.jsonl$/);
    expect(outboxPathFor('/data', 'redis://ops:hunter2@10.0.0.5:6379/0')).not.toContain('hunter2');
  });
});
