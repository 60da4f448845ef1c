import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from '../../src-main/ledger/file-lock';
import { stopProcess } from '../fixtures/child-process';
import { tempDir } from '../fixtures/temp-dir';

/** The owner record this process writes, read from a lock it holds (so the test follows the format). */
async function ownRecord(lock: string): Promise<Record<string, unknown>> {
  return withFileLock(lock, async () => JSON.parse(await readFile(lock, 'utf8')) as Record<string, unknown>);
}

/** A process id that existed a moment ago and does not now. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
async function startTicks(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
}

describe('the file lock', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let lock: string;
  let sleeper: ChildProcess | undefined;
  beforeEach(async () => {
    dir = await tempDir();
    lock = join(dir.path, 'ledger.jsonl.lock');
  });
  afterEach(async () => {
    if (sleeper) await stopProcess(sleeper);
    sleeper = undefined;
    await dir.remove();
  });

  /** Holds `lock` while `work` runs with a counter of holders: more than one is a broken lock. */
  async function contend(count: number, timeoutMs = 10_000): Promise<number> {
    let holders = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: count }, () =>
        withFileLock(
          lock,
          async () => {
            holders += 1;
            most = Math.max(most, holders);
            await new Promise((r) => setTimeout(r, 3));
            holders -= 1;
          },
          timeoutMs,
        ),
      ),
    );
    return most;
  }

  it('lets one holder at a time in', async () => {
    expect(await contend(20)).toBe(1);
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('lets exactly one of many racing writers take over a lock left by a dead process', async () => {
    for (let round = 0; round < 5; round += 1) {
      await writeFile(lock, String(await deadPid()));
      expect(await contend(12)).toBe(1);
    }
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('clears the owner record of a writer killed while taking the lock, once its death is seen', async () => {
    const dead = { ...(await ownRecord(lock)), pid: await deadPid() };
    const record = `${lock}.${'1'.repeat(32)}.tmp`;
    await writeFile(record, JSON.stringify({ ...dead, token: '1'.repeat(32) }));
    await writeFile(lock, JSON.stringify({ ...dead, token: '2'.repeat(32) }));
    expect(await contend(2)).toBe(1);
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('does not remove a lock that another owner holds now', async () => {
    const other = JSON.stringify({ ...(await ownRecord(lock)), token: 'f'.repeat(32) });
    await withFileLock(lock, async () => {
      await writeFile(lock, other); // as if another writer had taken over meanwhile
    });
    expect(await readFile(lock, 'utf8')).toBe(other);
  });

  it('takes over a lock whose process id now belongs to an unrelated live process', async () => {
    sleeper = spawn('sleep', ['30']);
    const pid = sleeper.pid as number;
    const real = await startTicks(pid);
    const stolenPid = { ...(await ownRecord(lock)), pid, token: 'a'.repeat(32), started: String(Number(real) - 100) };
    await writeFile(lock, JSON.stringify(stolenPid));
    expect(await contend(4, 2000)).toBe(1);
  });

  it('never robs a live owner, even one that holds the lock for long', async () => {
    sleeper = spawn('sleep', ['30']);
    const pid = sleeper.pid as number;
    const owner = JSON.stringify({ ...(await ownRecord(lock)), pid, token: 'b'.repeat(32), started: await startTicks(pid) });
    await writeFile(lock, owner);
    await utimes(lock, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    await expect(withFileLock(lock, async () => undefined, 300)).rejects.toThrow(/held by process \d+/);
    expect(await readFile(lock, 'utf8')).toBe(owner);
  });

  it('never robs a holder in this process', async () => {
    let release: () => void = () => undefined;
    const holding = withFileLock(lock, () => new Promise<void>((r) => (release = r)));
    await expect.poll(() => readdir(dir.path)).toContain('ledger.jsonl.lock');
    await expect(withFileLock(lock, async () => undefined, 200)).rejects.toThrow(/held by process/);
    release();
    await holding;
  });

  it('takes over a lock whose owner is a zombie (killed, not yet reaped by its parent)', async () => {
    // The short sleep ends after its parent shell became `sleep 30`, which never reaps it.
    sleeper = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((resolve) => sleeper?.stdout?.once('data', (c: Buffer) => resolve(c.toString()))));
    await expect.poll(async () => (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.[0], { timeout: 5000 }).toBe('Z');
    await writeFile(lock, JSON.stringify({ ...(await ownRecord(lock)), pid, token: 'e'.repeat(32), started: await startTicks(pid) }));
    expect(await contend(3, 2000)).toBe(1);
  });

  it('takes over a lock left from before a reboot', async () => {
    sleeper = spawn('sleep', ['30']);
    const pid = sleeper.pid as number;
    await writeFile(lock, JSON.stringify({ ...(await ownRecord(lock)), pid, token: 'c'.repeat(32), started: await startTicks(pid), boot: 'an-earlier-boot' }));
    expect(await contend(3, 2000)).toBe(1);
  });

  it('leaves the lock of another machine alone (a shared folder): it cannot tell whether that process lives', async () => {
    const other = JSON.stringify({ ...(await ownRecord(lock)), pid: await deadPid(), token: 'd'.repeat(32), host: 'elsewhere', machine: 'another-machine' });
    await writeFile(lock, other);
    await expect(withFileLock(lock, async () => undefined, 300)).rejects.toThrow(/held by process/);
    expect(await readFile(lock, 'utf8')).toBe(other);
  });

  it('takes over an unreadable lock only once it is old (its content was lost in a system crash)', async () => {
    await writeFile(lock, '');
    await expect(withFileLock(lock, async () => undefined, 300)).rejects.toThrow(/held by/);
    await utimes(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(await contend(3, 2000)).toBe(1);
  });
});
