import { randomBytes } from 'node:crypto';
import { link, open, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * Who holds a lock. The pid alone is not enough: after a crash and a reboot (or simply later)
 * another process can have that pid. So the record also says which machine and which boot the
 * owner ran in and when it started, and carries a random token that names this one acquisition:
 * only the holder of the token removes the lock.
 */
interface LockOwner {
  pid: number;
  token: string;
  host: string;
  /** /etc/machine-id, where readable: tells machines apart better than a host name. */
  machine: string | null;
  /** /proc/sys/kernel/random/boot_id, where readable: a new one after every reboot. */
  boot: string | null;
  /** Field 22 of /proc/<pid>/stat (start time in ticks since boot), where readable. */
  started: string | null;
}

/** What is in the lock file now. `owner` is null for a lock written by an older version (a bare pid) or unreadable. */
interface HeldLock {
  /** Names this holding: its token, or for a lock without one the file's identity. */
  key: string;
  owner: LockOwner | null;
  /** A lock from an older version holds only the pid. */
  legacyPid: number | null;
  ageMs: number;
}

/**
 * How old a lock without readable content must be before it counts as abandoned. A lock is
 * published complete (see `tryTake`), so an empty one is left by a system crash that lost its
 * content, or by an older version between its create and its write: seconds cover the latter.
 */
const UNREADABLE_STALE_MS = 5000;

/**
 * Runs `work` while holding the lock file at `path`, so two processes (the app and the command
 * line) never append to one ledger or outbox at once. The lock is taken by link(2) of a complete
 * owner record, so it never exists half written. A lock whose owner is provably gone (see
 * `provablyStale`) is taken over; a live owner is never robbed, however long it holds the lock:
 * after `timeoutMs` the caller gets an error saying who holds it.
 */
export async function withFileLock<T>(path: string, work: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const token = await acquire(path, path, Date.now() + timeoutMs);
  try {
    return await work();
  } finally {
    await release(path, token);
  }
}

async function acquire(path: string, root: string, deadline: number): Promise<string> {
  const me = { ...(await identity()), token: randomBytes(16).toString('hex') };
  for (;;) {
    if (await tryTake(me, root, path)) return me.token;
    const held = await readHeld(path);
    if (held === null) continue; // released meanwhile
    if (await provablyStale(held, me)) {
      await removeStale(path, root, held, me, deadline);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${path} is held by ${describe(held)}; try again when it has finished`);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
  }
}

/**
 * Publishes the complete owner record at `path` in one step: written to a file of its own, then
 * link(2)ed, which fails if `path` exists, whoever else tries at the same moment. The record file
 * lives only for the attempt, so a writer killed while it waits leaves nothing behind. Where hard
 * links are not supported, an exclusive create and a write (whose brief empty state the age rule
 * for unreadable locks tolerates).
 */
async function tryTake(me: LockOwner, root: string, path: string): Promise<boolean> {
  const record = `${root}.${me.token}.tmp`;
  await writeFile(record, JSON.stringify(me), { mode: 0o600 });
  try {
    await link(record, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
  } finally {
    await unlink(record).catch(() => undefined);
  }
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(me));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Removes a lock judged stale, without ever removing a different one. Deleting by path is not
 * enough: two writers that both saw the dead owner's lock would both delete, and the second
 * would delete the lock the first had meanwhile taken. So removing the stale holding `key` is
 * itself done under a lock named after that key: one claimant at a time, and it removes the
 * file only if it still holds `key`. Nothing else can have replaced it in between: a lock is
 * only ever replaced after it was removed, and only the (dead) owner or the holder of this claim
 * removes this one. A claim whose claimant dies is stale in its turn and is taken over the same
 * way (claims are named from `root`, so the names do not grow).
 */
async function removeStale(path: string, root: string, stale: HeldLock, me: LockOwner, deadline: number): Promise<void> {
  const claim = `${root}.takeover-${stale.key}`;
  const token = await acquire(claim, root, deadline);
  try {
    const now = await readHeld(path);
    if (now?.key !== stale.key) return;
    await unlink(path).catch(ignoreMissing);
  } finally {
    await release(claim, token);
  }
  await sweepRecords(root, me);
}

/**
 * A writer killed in the instant between writing its owner record and removing it (see
 * `tryTake`) leaves the record behind. Once a crash has been seen, records whose owner is
 * provably gone are removed; a record's name holds a token, so no one else ever reuses it.
 */
async function sweepRecords(root: string, me: LockOwner): Promise<void> {
  const prefix = `${basename(root)}.`;
  for (const name of await readdir(dirname(root)).catch(() => [])) {
    if (!name.startsWith(prefix) || !/^[0-9a-f]{32}\.tmp$/.test(name.slice(prefix.length))) continue;
    const record = join(dirname(root), name);
    const held = await readHeld(record).catch(() => null);
    if (held && (await provablyStale(held, me))) await unlink(record).catch(() => undefined);
  }
}

/** Removes the lock only if it is still ours: never another writer's (see `removeStale`). */
async function release(path: string, token: string): Promise<void> {
  const held = await readHeld(path).catch(() => null);
  if (held?.owner?.token === token) await unlink(path).catch(ignoreMissing);
}

async function readHeld(path: string): Promise<HeldLock | null> {
  let text: string;
  let info: { ino: number; mtimeMs: number };
  try {
    [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const ageMs = Date.now() - info.mtimeMs;
  const owner = parseOwner(text);
  if (owner) return { key: owner.token, owner, legacyPid: null, ageMs };
  const legacyPid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
  return { key: `file-${info.ino}-${Math.round(info.mtimeMs)}`, owner: null, legacyPid: legacyPid && legacyPid > 0 ? legacyPid : null, ageMs };
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    const optional = (v: unknown): boolean => v === null || typeof v === 'string';
    const valid =
      Number.isInteger(value.pid) && (value.pid as number) > 0 && typeof value.token === 'string' && /^[0-9a-f]{16,64}$/.test(value.token) &&
      typeof value.host === 'string' && optional(value.machine) && optional(value.boot) && optional(value.started);
    return valid ? (value as LockOwner) : null;
  } catch {
    return null;
  }
}

/**
 * Stale only when it can be proven: on this machine (same machine id, or the same host name
 * where there is none), and either in an earlier boot, or its process is gone (or a zombie), or
 * that pid now belongs to a process that started at another time. A lock from another machine
 * (a shared folder) is never proven stale.
 */
async function provablyStale(held: HeldLock, me: LockOwner): Promise<boolean> {
  const { owner } = held;
  if (owner === null) {
    if (held.legacyPid !== null) return (await processState(held.legacyPid)).gone;
    return held.ageMs > UNREADABLE_STALE_MS;
  }
  const sameMachine = owner.machine && me.machine ? owner.machine === me.machine : owner.host === me.host;
  if (!sameMachine) return false;
  if (owner.boot && me.boot && owner.boot !== me.boot) return true;
  const now = await processState(owner.pid);
  if (now.gone) return true;
  return owner.started !== null && now.started !== null && owner.started !== now.started;
}

/** Whether a process exists (a zombie counts as gone: it holds nothing) and when it started. */
async function processState(pid: number): Promise<{ gone: boolean; started: string | null }> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return { gone: true, started: null };
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return { gone: false, started: null };
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  return { gone: state === 'Z' || state === 'X', started: fields[19] ?? null };
}

let ownIdentity: Promise<Omit<LockOwner, 'token'>> | undefined;

function identity(): Promise<Omit<LockOwner, 'token'>> {
  const read = (path: string) => readFile(path, 'utf8').then((t) => t.trim() || null, () => null);
  ownIdentity ??= (async () => ({
    pid: process.pid,
    host: hostname(),
    machine: await read('/etc/machine-id'),
    boot: await read('/proc/sys/kernel/random/boot_id'),
    started: (await processState(process.pid)).started,
  }))();
  return ownIdentity;
}

function describe(held: HeldLock): string {
  const since = `for ${Math.round(held.ageMs / 1000)} s`;
  if (held.owner) return `process ${held.owner.pid} on ${held.owner.host} ${since}`;
  return held.legacyPid !== null ? `process ${held.legacyPid} ${since}` : `an unreadable lock ${since}`;
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
