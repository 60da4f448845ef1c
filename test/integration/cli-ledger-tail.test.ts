import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { hashOfLine } from '../../src-main/ledger/ledger-entry';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { runCli, startCli } from '../fixtures/run-cli';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import type { TempDir } from '../fixtures/temp-dir';

/** The fields the README documents for every entry (others appear when an entry has them). */
const ALWAYS = ['seq', 'prev', 'hash', 'kind', 'time', 'operator', 'connection', 'run', 'sessionId', 'user', 'reasonCode'];

function record(user: string, outcome?: 'revoked'): LedgerRecord {
  return {
    kind: outcome ? 'outcome' : 'attempt',
    time: new Date().toISOString(),
    operator: 'local:tester',
    connection: 'tail-test',
    run: 'run-1',
    sessionId: '0123456789abcdef',
    user,
    reasonCode: 'security_incident',
    ...(outcome ? { outcome } : {}),
  };
}

const lines = (stdout: string) => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

/** A running `ledger tail --follow`: its stdout so far, and a wait for a number of lines. */
function follow(args: string[]) {
  const child = startCli(['ledger', 'tail', '--follow', ...args]);
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
    for (const w of waiters.splice(0)) w();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    child,
    closed,
    stdout: () => stdout,
    stderr: () => stderr,
    until: async (test: () => boolean, what: string, ms = 20_000) => {
      const deadline = Date.now() + ms;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stdout: ${stdout}; stderr: ${stderr}`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), new Promise((r) => setTimeout(r, 200))]);
      }
    },
  };
}

describe('ledger tail: verified entries as NDJSON for a SIEM (spawned)', () => {
  let table: TestTable;
  let dir: TempDir;
  const running: ReturnType<typeof follow>[] = [];
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  afterEach(() => {
    for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  });

  it('prints the whole ledger, one entry a line with the documented fields, each hash recomputable; -n and --since choose', async () => {
    const path = join(dir.path, 'ledger.jsonl');
    const ledger = new Ledger(path);
    await ledger.append([record('alice'), record('alice', 'revoked'), record('bob'), record('bob', 'revoked')]);
    // A store string with a terminal escape stays inert and parses back to what was written.
    await ledger.append([record('eve\u001b[2J\u009b31m')]);
    const all = await runCli(['ledger', 'tail', '--ledger', path]);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout.includes('\u001b') || all.stdout.includes('\u009b')).toBe(false);
    const entries = lines(all.stdout);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    for (const e of entries) {
      for (const field of ALWAYS) expect(e).toHaveProperty(field);
      expect(hashOfLine(e)).toBe(e.hash);
    }
    expect(entries[1]).toMatchObject({ kind: 'outcome', user: 'alice', outcome: 'revoked', connection: 'tail-test', operator: 'local:tester', reasonCode: 'security_incident' });
    expect(entries[4]?.user).toBe('eve\u001b[2J\u009b31m');
    expect(entries[1]?.prev).toBe(entries[0]?.hash);
    // Byte for byte the ledger's lines where nothing needed escaping.
    expect(all.stdout.split('\n').slice(0, 4)).toEqual((await readFile(path, 'utf8')).split('\n').slice(0, 4));

    expect(lines((await runCli(['ledger', 'tail', '-n', '2', '--ledger', path])).stdout).map((e) => e.seq)).toEqual([4, 5]);
    expect(lines((await runCli(['ledger', 'tail', '--since', '1h', '--ledger', path])).stdout)).toHaveLength(5);
    expect((await runCli(['ledger', 'tail', '--since', new Date(Date.now() + 3_600_000).toISOString(), '--ledger', path])).stdout).toBe('');
    const table_ = await runCli(['ledger', 'tail', '--output', 'table', '--ledger', path]);
    expect(table_.code).toBe(0);
    expect(table_.stdout.split('\n')[1]).toMatch(/^2\s+\S+\s+outcome\s+local:tester\s+0123456789abcdef\s+alice\s+security_incident\s+revoked$/);
    expect((await runCli(['ledger', 'tail', '--output', 'csv', '--ledger', path])).code).toBe(2);
  });

  it('an empty or missing ledger prints nothing and exits 0', async () => {
    const missing = await runCli(['ledger', 'tail', '--ledger', join(dir.path, 'none.jsonl')]);
    expect(missing).toMatchObject({ code: 0, stdout: '' });
    expect(missing.stderr).toMatch(/no ledger at .* yet/);
    await writeFile(join(dir.path, 'empty.jsonl'), '');
    expect(await runCli(['ledger', 'tail', '--ledger', join(dir.path, 'empty.jsonl')])).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('a tampered line: the entries before it are printed, nothing after it, exit 1 with the reason on stderr', async () => {
    const path = join(dir.path, 'ledger.jsonl');
    const ledger = new Ledger(path);
    await ledger.append([record('alice'), record('alice', 'revoked'), record('bob'), record('bob', 'revoked')]);
    const text = await readFile(path, 'utf8');
    // Someone rewrites entry 3's user (a forged entry the SIEM must not take as good).
    const forged = text.split('\n').map((l, i) => (i === 2 ? l.replace('"user":"bob"', '"user":"mallory"') : l));
    await writeFile(path, forged.join('\n'));
    const tail = await runCli(['ledger', 'tail', '--ledger', path]);
    expect(tail.code).toBe(1);
    expect(lines(tail.stdout).map((e) => e.seq)).toEqual([1, 2]);
    expect(tail.stdout).not.toMatch(/mallory|"bob"/);
    expect(tail.stderr).toMatch(/ledger BROKEN after entry 2: entry 3: its content does not match its hash \(altered\)/);
    // Entries dropped from the end are found by the head checkpoint.
    await writeFile(path, `${text.split('\n').slice(0, 2).join('\n')}\n`);
    const dropped = await runCli(['ledger', 'tail', '--ledger', path]);
    expect(dropped.code).toBe(1);
    expect(lines(dropped.stdout)).toHaveLength(2);
    expect(dropped.stderr).toMatch(/head file says 4 entries, the ledger has 2/);
  });

  it('--follow waits for a ledger not there yet, prints what a revocation by another process appends (once each), and exits 0 on SIGTERM', async () => {
    const path = join(dir.path, 'ledger.jsonl');
    const tail = follow(['--ledger', path]);
    running.push(tail);
    await tail.until(() => /waiting for its first entry/.test(tail.stderr()), 'the wait for the ledger');
    const lives = { expires_at: new Date(Date.now() + 6 * 3600_000).toISOString(), ttl: Math.floor(Date.now() / 1000) + 6 * 3600 };
    const sessions = [sentinelItem({ seconds: Math.floor(Date.now() / 1000) - 10 }, { user: 'gina', ...lives }), sentinelItem({ seconds: Math.floor(Date.now() / 1000) - 20 }, { user: 'hank', ...lives })];
    await table.put(sessions);
    const conn = ['--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--ledger', path];
    const revoked = await runCli(['sessions', 'revoke', sessions[0]?.id ?? '', '--reason-code', 'credential_compromise', '--ticket', 'INC-7', ...conn]);
    expect(revoked.code).toBe(0);
    await tail.until(() => lines(tail.stdout()).length >= 2, 'the first revocation');
    const revokedAgain = await runCli(['sessions', 'revoke', sessions[1]?.id ?? '', '--reason-code', 'offboarding', ...conn]);
    expect(revokedAgain.code).toBe(0);
    await tail.until(() => lines(tail.stdout()).length >= 4, 'the second revocation');
    tail.child.kill('SIGTERM');
    expect(await tail.closed).toBe(0);
    const printed = lines(tail.stdout());
    expect(printed.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    // An attempt by id is written before the store is read, so it names no user yet.
    expect(printed.map((e) => [e.kind, e.kind === 'outcome' ? e.user : '', e.sessionId])).toEqual([
      ['attempt', '', sessions[0]?.id],
      ['outcome', 'gina', sessions[0]?.id],
      ['attempt', '', sessions[1]?.id],
      ['outcome', 'hank', sessions[1]?.id],
    ]);
    expect(printed[1]).toMatchObject({ outcome: 'revoked', reasonCode: 'credential_compromise', ticket: 'INC-7' });
    for (const e of printed) expect(hashOfLine(e)).toBe(e.hash);
  });

  it('--follow stops at a forged append: prints nothing of it and exits 1; a half-written line waits for its end', async () => {
    const path = join(dir.path, 'ledger.jsonl');
    const ledger = new Ledger(path);
    await ledger.append([record('alice')]);
    const tail = follow(['--ledger', path]);
    running.push(tail);
    await tail.until(() => lines(tail.stdout()).length === 1, 'the first entry');
    // An append in flight: half a line (as a writer mid-write leaves it) is not printed.
    const [whole] = await new Ledger(join(dir.path, 'scratch.jsonl')).append([record('x')]);
    const good = await ledger.append([record('alice', 'revoked')]);
    const next = `${(await readFile(path, 'utf8')).split('\n')[1] ?? ''}`;
    expect(JSON.parse(next)).toMatchObject({ seq: good[0]?.seq });
    await tail.until(() => lines(tail.stdout()).length === 2, 'the second entry');
    const forged = { ...whole, seq: 3, prev: good[0]?.hash, user: 'mallory' };
    const text = JSON.stringify(forged);
    await writeFile(path, text.slice(0, 40), { flag: 'a' });
    await new Promise((r) => setTimeout(r, 800));
    expect(lines(tail.stdout())).toHaveLength(2);
    expect(tail.child.exitCode).toBeNull();
    await writeFile(path, `${text.slice(40)}\n`, { flag: 'a' });
    expect(await tail.closed).toBe(1);
    expect(lines(tail.stdout()).map((e) => e.seq)).toEqual([1, 2]);
    expect(tail.stdout()).not.toMatch(/mallory/);
    expect(tail.stderr()).toMatch(/ledger BROKEN after entry 2: entry 3: its content does not match its hash/);
  });
});
