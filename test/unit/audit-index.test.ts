import { appendFile, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditIndex } from '../../src-main/ledger/audit-index';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

function revocation(i: number, run = 'run-1'): LedgerRecord[] {
  const base = { time: new Date(Date.UTC(2026, 10, 22, 8, 0, i)).toISOString(), operator: 'local:tester', connection: 'test', run, sessionId: `s${i}`, user: `user${i}`, reasonCode: 'offboarding' as const };
  return [
    { kind: 'attempt', ...base },
    { kind: 'outcome', ...base, outcome: 'revoked' },
  ];
}

describe('the audit index over a ledger file', () => {
  let dir: TempDir;
  let ledger: Ledger;
  let index: AuditIndex;
  const listed = async () => [...(await index.rows())].map((r) => `${r.seq}:${r.sessionId}:${r.outcome}`);

  beforeEach(async () => {
    dir = await tempDir();
    ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    index = new AuditIndex(ledger.path);
  });
  afterEach(() => dir.remove());

  it('has no rows before the ledger exists, then picks up what is appended after each read', async () => {
    expect(await listed()).toEqual([]);
    await ledger.append([...revocation(1), ...revocation(2)]);
    expect(await listed()).toEqual(['4:s2:revoked', '2:s1:revoked']);
    // An attempt whose outcome is not written yet, then its outcome.
    const [attempt, outcome] = revocation(3) as [LedgerRecord, LedgerRecord];
    await ledger.append([attempt]);
    expect(await listed()).toEqual(['5:s3:interrupted', '4:s2:revoked', '2:s1:revoked']);
    await ledger.append([outcome]);
    expect(await listed()).toEqual(['6:s3:revoked', '4:s2:revoked', '2:s1:revoked']);
  });

  it('reads only what was appended: an earlier line changed in place after a read is not read again', async () => {
    await ledger.append(revocation(1));
    expect(await listed()).toEqual(['2:s1:revoked']);
    const text = await readFile(ledger.path, 'utf8');
    // Same length, so the file neither shrinks nor grows: only a full re-read would see it.
    await writeFile(ledger.path, text.replaceAll('"user":"user1"', '"user":"USER1"'));
    expect([...(await index.rows())].map((r) => r.user)).toEqual(['user1']);
    // A fresh index reads the whole file and sees the change (ledger:verify is what reports it).
    expect([...(await new AuditIndex(ledger.path).rows())].map((r) => r.user)).toEqual(['USER1']);
  });

  it('leaves a partial last line for the next read', async () => {
    await ledger.append(revocation(1));
    const whole = await readFile(ledger.path, 'utf8');
    await ledger.append(revocation(2));
    const appended = (await readFile(ledger.path, 'utf8')).slice(whole.length);
    await writeFile(ledger.path, whole + appended.slice(0, appended.length - 40));
    expect(await listed()).toEqual(['3:s2:interrupted', '2:s1:revoked']);
    await appendFile(ledger.path, appended.slice(appended.length - 40));
    expect(await listed()).toEqual(['4:s2:revoked', '2:s1:revoked']);
  });

  it('reads a replaced, shortened or rewritten ledger again from the start', async () => {
    await ledger.append([...revocation(1), ...revocation(2)]);
    expect(await listed()).toEqual(['4:s2:revoked', '2:s1:revoked']);

    // Replaced by another file (a restore from backup): a new inode.
    const other = new Ledger(join(dir.path, 'other.jsonl'));
    await other.append(revocation(7, 'run-7'));
    await rename(other.path, ledger.path);
    expect(await listed()).toEqual(['2:s7:revoked']);

    // Shortened in place.
    const firstLine = (await readFile(ledger.path, 'utf8')).split('\n')[0] as string;
    await truncate(ledger.path, Buffer.byteLength(firstLine) + 1);
    expect(await listed()).toEqual(['1:s7:interrupted']);

    // Rewritten in place with different, longer content: the next line does not chain on.
    const longer = new Ledger(join(dir.path, 'longer.jsonl'));
    await longer.append([...revocation(8, 'run-8'), ...revocation(9, 'run-8')]);
    await writeFile(ledger.path, await readFile(longer.path));
    expect(await listed()).toEqual(['4:s9:revoked', '2:s8:revoked']);

    // Rewritten in place so that where the last read ended falls inside a line (non-ASCII text
    // shifts every byte offset): read again from the start, without an error.
    const shifted = new Ledger(join(dir.path, 'shifted.jsonl'));
    await shifted.append([...revocation(5, 'run-5'), ...revocation(6, 'run-5'), ...revocation(7, 'run-5')].map((r) => ({ ...r, note: 'Zoë’s laptop — 東京' })));
    await writeFile(ledger.path, await readFile(shifted.path));
    expect(await listed()).toEqual(['6:s7:revoked', '4:s6:revoked', '2:s5:revoked']);
    expect([...(await index.rows())][0]?.note).toBe('Zoë’s laptop — 東京');
  });

  it('answers concurrent calls with the same rows and counts nothing twice', async () => {
    await ledger.append(revocation(1));
    const writes = Array.from({ length: 20 }, (_, i) => ledger.append(revocation(i + 2)));
    const reads = Array.from({ length: 20 }, () => listed());
    await Promise.all([...writes, ...reads]);
    const rows = await listed();
    expect(rows).toHaveLength(21);
    expect(new Set(rows.map((r) => r.split(':')[1])).size).toBe(21);
    expect(rows.every((r) => r.endsWith(':revoked'))).toBe(true);
  });

  it('fails on a line that is not a ledger entry, and reads afresh once it is repaired', async () => {
    await ledger.append(revocation(1));
    const good = await readFile(ledger.path, 'utf8');
    await appendFile(ledger.path, '{"not":"an entry"}\n');
    await expect(index.rows()).rejects.toThrow();
    await writeFile(ledger.path, good);
    await ledger.append(revocation(2));
    expect(await listed()).toEqual(['4:s2:revoked', '2:s1:revoked']);
  });
});
