import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, type TornTailReport } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { withShortWrites } from '../fixtures/short-writes';
import { tempDir } from '../fixtures/temp-dir';

function record(i: number, kind: LedgerRecord['kind'] = 'outcome'): LedgerRecord {
  return {
    kind,
    time: new Date(Date.UTC(2026, 10, 22, 8, 0, i)).toISOString(),
    operator: 'local:tester',
    connection: 'test',
    run: 'run-1',
    sessionId: i.toString(16).padStart(16, '0'),
    user: `user${i % 3}`,
    reasonCode: 'offboarding',
    ticket: 'HR-1234',
    ...(kind === 'outcome' ? { outcome: 'revoked' as const } : {}),
  };
}

describe('the hash-chained ledger', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let ledger: Ledger;
  beforeEach(async () => {
    dir = await tempDir();
    ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
  });
  afterEach(() => dir.remove());

  const lines = async () => (await readFile(ledger.path, 'utf8')).trimEnd().split('\n');
  const rewrite = (all: string[]) => writeFile(ledger.path, `${all.join('\n')}\n`);

  it('verifies an empty ledger and a written one', async () => {
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 0 });
    await ledger.append([record(1), record(2)]);
    await ledger.append([record(3)]);
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 3 });
    const entries = [];
    for await (const e of ledger.entries()) entries.push(e);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[1]?.prev).toBe(entries[0]?.hash);
  });

  it('group-commits concurrent appends into one chain, in order per call', async () => {
    const sealed = await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.append([record(i, 'attempt'), record(i)])));
    expect(sealed.every(([a, b]) => a && b && b.seq === a.seq + 1 && b.prev === a.hash)).toBe(true);
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 100 });
  });

  it('continues the chain across instances (a restart)', async () => {
    await ledger.append([record(1)]);
    const again = new Ledger(ledger.path);
    await again.append([record(2)]);
    expect(await again.verify()).toEqual({ ok: true, verifiedEntries: 2 });
  });

  it('detects an altered field', async () => {
    await ledger.append([record(1), record(2), record(3)]);
    const all = await lines();
    all[1] = (all[1] as string).replace('"outcome":"revoked"', '"outcome":"already_revoked"');
    await rewrite(all);
    expect(await ledger.verify()).toMatchObject({ ok: false, verifiedEntries: 1, brokenAt: 2, reason: expect.stringContaining('altered') });
  });

  it('detects a re-hashed alteration (the next link breaks)', async () => {
    await ledger.append([record(1), record(2), record(3)]);
    const all = await lines();
    const { createHash } = await import('node:crypto');
    const parsed = JSON.parse(all[1] as string);
    parsed.ticket = 'HR-9999';
    delete parsed.hash;
    parsed.hash = createHash('sha256').update(JSON.stringify(parsed)).digest('hex');
    all[1] = JSON.stringify(parsed);
    await rewrite(all);
    expect(await ledger.verify()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('detects a removed line in the middle', async () => {
    await ledger.append([record(1), record(2), record(3)]);
    const all = await lines();
    all.splice(1, 1);
    await rewrite(all);
    expect(await ledger.verify()).toMatchObject({ ok: false, brokenAt: 2, reason: expect.stringContaining('removed') });
  });

  it('detects reordered lines', async () => {
    await ledger.append([record(1), record(2), record(3)]);
    const all = await lines();
    await rewrite([all[0] as string, all[2] as string, all[1] as string]);
    expect(await ledger.verify()).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('detects entries dropped from the end (through the head checkpoint)', async () => {
    await ledger.append([record(1), record(2), record(3)]);
    const all = await lines();
    await rewrite(all.slice(0, 2));
    expect(await ledger.verify()).toMatchObject({ ok: false, verifiedEntries: 2, reason: expect.stringContaining('dropped') });
  });

  it('refuses to append after entries were dropped, so the next head cannot hide it', async () => {
    await ledger.append([record(1), record(2), record(3)]);
    const all = await lines();
    await rewrite(all.slice(0, 2));
    await expect(ledger.append([record(4)])).rejects.toThrow(/head checkpoint/);
    expect(await ledger.verify()).toMatchObject({ ok: false, reason: expect.stringContaining('dropped') });
  });

  it('refuses to append after an altered last entry was re-hashed', async () => {
    await ledger.append([record(1), record(2)]);
    const all = await lines();
    const { createHash } = await import('node:crypto');
    const parsed = JSON.parse(all[1] as string);
    parsed.outcome = 'failed';
    delete parsed.hash;
    parsed.hash = createHash('sha256').update(JSON.stringify(parsed)).digest('hex');
    await rewrite([all[0] as string, JSON.stringify(parsed)]);
    await expect(ledger.append([record(3)])).rejects.toThrow(/head checkpoint/);
  });

  it('treats a removed head file as tampering', async () => {
    await ledger.append([record(1), record(2)]);
    // An append answers once its lines are fsynced; the head follows under the lock, which verify waits for.
    expect((await ledger.verify()).ok).toBe(true);
    const { unlink } = await import('node:fs/promises');
    await unlink(`${ledger.path}.head`);
    expect(await ledger.verify()).toMatchObject({ ok: false, reason: expect.stringContaining('head checkpoint file is missing') });
    await expect(ledger.append([record(3)])).rejects.toThrow(/head is missing/);
  });

  it('detects a deleted ledger whose head remains', async () => {
    await ledger.append([record(1)]);
    const { unlink } = await import('node:fs/promises');
    await unlink(ledger.path);
    expect(await ledger.verify()).toMatchObject({ ok: false, reason: expect.stringContaining('missing') });
  });

  it('detects a line that is not JSON', async () => {
    await ledger.append([record(1)]);
    await writeFile(ledger.path, `${(await lines())[0]}\n{"seq": 2, torn\n`, { flag: 'w' });
    expect(await ledger.verify()).toMatchObject({ ok: false, brokenAt: 2, reason: 'not a JSON line' });
  });

  it('cuts a torn last line (a crash mid-append) before the next append, keeps it beside the ledger and reports it', async () => {
    const reports: TornTailReport[] = [];
    ledger = new Ledger(ledger.path, { onRecover: (report) => reports.push(report) });
    await ledger.append([record(1)]);
    const sizeBefore = (await readFile(ledger.path)).length;
    await writeFile(ledger.path, '{"seq":2,"tor', { flag: 'a' });
    // Not an entry (never acknowledged) and not damage: verify checks the entries before it.
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 1 });
    const [second] = await ledger.append([record(2)]);
    expect(second?.seq).toBe(2);
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 2 });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ path: ledger.path, offset: sizeBefore, bytes: 13 });
    expect(await readFile(reports[0]?.keptIn as string, 'utf8')).toBe('{"seq":2,"tor');
    expect((await readdir(dir.path)).filter((f) => f.includes('.torn-'))).toHaveLength(1);
  });

  it('cuts a whole entry that lost only its newline: it was never acknowledged', async () => {
    await ledger.append([record(1)]);
    const quiet = new Ledger(ledger.path, { onRecover: () => undefined });
    const [line] = await lines();
    await writeFile(ledger.path, `${line}\n${(line as string).replace('"seq":1', '"seq":2')}`);
    await quiet.append([record(2)]);
    expect(await quiet.verify()).toEqual({ ok: true, verifiedEntries: 2 });
  });

  it('finds where a torn line begins however long it is', async () => {
    await ledger.append([record(1)]);
    const reports: TornTailReport[] = [];
    const again = new Ledger(ledger.path, { onRecover: (report) => reports.push(report) });
    await writeFile(ledger.path, `{"seq":2,"note":"${'é'.repeat(100_000)}`, { flag: 'a' });
    await again.append([record(2)]);
    expect(reports[0]?.bytes).toBe(Buffer.byteLength('{"seq":2,"note":"') + 200_000);
    expect(await again.verify()).toEqual({ ok: true, verifiedEntries: 2 });
  });

  it('does not cut a torn line where the head says a whole entry was there (dropped, not a crash)', async () => {
    await ledger.append([record(1), record(2), record(3)]);
    const before = await readFile(ledger.path, 'utf8');
    await truncate(ledger.path, before.length - 40);
    expect(await ledger.verify()).toMatchObject({ ok: false, verifiedEntries: 2, reason: expect.stringContaining('dropped or cut') });
    const quiet = new Ledger(ledger.path, { onRecover: () => undefined });
    await expect(quiet.append([record(4)])).rejects.toThrow(/head checkpoint/);
    expect(await readFile(ledger.path, 'utf8')).toBe(before.slice(0, -40));
    expect((await readdir(dir.path)).filter((f) => f.includes('.torn-'))).toEqual([]);
  });

  it('lists the complete entries while the last line is still being written', async () => {
    await ledger.append([record(1), record(2)]);
    await writeFile(ledger.path, '{"seq":3,"tor', { flag: 'a' });
    const seqs = [];
    for await (const e of ledger.entries()) seqs.push(e.seq);
    expect(seqs).toEqual([1, 2]);
  });

  it('writes every byte when the file system takes only part of a write', async () => {
    // At most 7 bytes per call, as a full disk, a signal or a network file system may do.
    const { shortWrites, restore } = await withShortWrites(dir.path, 7);
    try {
      await ledger.append([record(1), record(2)]);
      await ledger.append([record(3)]);
    } finally {
      restore();
    }
    expect(shortWrites()).toBeGreaterThan(0);
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 3 });
  });

  it('never reports BROKEN from verify while another writer appends', async () => {
    const writer = new Ledger(ledger.path);
    let writing = true;
    const appends = (async () => {
      for (let i = 0; i < 60; i += 1) {
        // Big batches make each append a long write, so an unlocked reader would catch one half done.
        await writer.append(Array.from({ length: 40 }, (_, j) => ({ ...record(i * 40 + j), note: 'x'.repeat(2000) })));
      }
      writing = false;
    })();
    const reports = [];
    while (writing) reports.push(await ledger.verify());
    await appends;
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.filter((r) => !r.ok)).toEqual([]);
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 2400 });
  });

  it('keeps the file private to the user', async () => {
    await ledger.append([record(1)]);
    const { stat } = await import('node:fs/promises');
    expect((await stat(ledger.path)).mode & 0o077).toBe(0);
  });
});
