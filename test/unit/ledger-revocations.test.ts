import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerRevocations } from '../../src-main/activity/ledger-revocations';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { CANARY_USER } from '../../src-main/proof/canary-ground';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

function record(sessionId: string, outcome: 'revoked' | 'not_found' = 'revoked', user = 'ann'): LedgerRecord {
  return { kind: 'outcome', time: new Date().toISOString(), operator: 'local:a', connection: 'prod', run: 'r', sessionId, user, reasonCode: 'offboarding', outcome };
}

describe('the Activity view reads the ledger incrementally', () => {
  let dir: TempDir;
  let path: string;
  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir.path, 'ledger.jsonl');
  });
  afterEach(() => dir.remove());

  it('reads only what was appended since the last refresh, and keeps what it read', async () => {
    const ledger = new Ledger(path);
    const reader = new LedgerRevocations(path);
    expect(await reader.read()).toEqual([]);
    await ledger.append(Array.from({ length: 200 }, (_, i) => record(`a${i}`, i % 2 === 0 ? 'revoked' : 'not_found')));
    await ledger.append([{ ...record('canary'), user: CANARY_USER }, { kind: 'attempt', time: new Date().toISOString(), operator: 'local:a', connection: 'prod', run: 'r', sessionId: 'x', user: 'ann', reasonCode: 'offboarding' }]);
    const first = await reader.read();
    expect(first.map((e) => e.sessionId)).toEqual(Array.from({ length: 100 }, (_, i) => `a${2 * i}`));
    expect(reader.lastReadBytes).toBe((await stat(path)).size);

    const before = (await stat(path)).size;
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    const lastLine = Buffer.byteLength(lines.at(-1) ?? '') + 1;
    await ledger.append([record('b1'), record('b2', 'not_found')]);
    const second = await reader.read();
    expect(second.map((e) => e.sessionId).slice(-2)).toEqual(['a198', 'b1']);
    expect(second).toHaveLength(101);
    // The appended lines, and the last line read before (checked to be still the same).
    expect(reader.lastReadBytes).toBe((await stat(path)).size - before + lastLine);

    // Nothing appended: one line read again.
    await reader.read();
    expect(reader.lastReadBytes).toBeLessThan(1000);
  });

  it('leaves a line still being written for the next refresh', async () => {
    const ledger = new Ledger(path);
    const reader = new LedgerRevocations(path);
    await ledger.append([record('a')]);
    await appendFile(path, '{"seq":2,"prev":"');
    expect((await reader.read()).map((e) => e.sessionId)).toEqual(['a']);
  });

  it('says where an appended line does not verify, and reads a replaced file from its start', async () => {
    const ledger = new Ledger(path);
    const reader = new LedgerRevocations(path);
    await ledger.append([record('a'), record('b')]);
    expect(await reader.read()).toHaveLength(2);
    // An appended line altered after it was written: its hash no longer matches.
    await ledger.append([record('c')]);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"sessionId":"c"', '"sessionId":"d"'));
    await expect(reader.read()).rejects.toThrow(/does not verify at entry 3: its content does not match its hash/);

    // The file replaced by another ledger (a restored copy): read again from its start.
    const other = join(dir.path, 'other.jsonl');
    await new Ledger(other).append([record('x'), record('y'), record('z'), record('w')]);
    await writeFile(path, await readFile(other));
    expect((await reader.read()).map((e) => e.sessionId)).toEqual(['x', 'y', 'z', 'w']);
  });
});
