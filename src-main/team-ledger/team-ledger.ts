import { createHash } from 'node:crypto';
import { mkdir, open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { TeamLedgerStatus, TeamVerify } from '../../src-shared/team-ledger';
import { lastCompleteLine, writeFileAtomic } from '../atomic-file';
import { withFileLock } from '../ledger/file-lock';
import { ledgerLines, type Ledger, type VerifyReport } from '../ledger/ledger';
import { LedgerEntrySchema, type LedgerEntry } from '../ledger/ledger-entry';
import { TeamChainError, type StoredTeamEntry, type TeamChain } from './team-chain';
import { EMPTY_HEAD, parseTeamLine, sealTeamEntry, type TeamEntry, type TeamHead } from './team-entry';

type ConfiguredStatus = Extract<TeamLedgerStatus, { configured: true }>;

/** The longest a nudged delivery waits for appends to pause. */
const QUIET_MAX_MS = 3_000;

/** Entries read from the team chain per request. */
const PAGE = 500;

const HeadSchema = z.strictObject({ seq: z.number().int().nonnegative(), hash: z.string() });
/** This device's last entry on the team chain, by its local position and hash. */
const MineSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  hash: z.string(),
  /** Where that entry's line ends in the local file, when known: the next look for pending entries starts there. */
  end: z.number().int().nonnegative().optional(),
});
type Mine = z.infer<typeof MineSchema>;
/** How far delivery has read the team chain, and this device's last entry there. */
const ScannedSchema = z.strictObject({ id: z.string(), head: HeadSchema, mine: MineSchema });
/** The last team head this desk verified (the team history it has seen), and this device's entry then. */
const VerifiedSchema = z.strictObject({ id: z.string(), head: HeadSchema, mine: MineSchema, atMs: z.number() });
type Scanned = z.infer<typeof ScannedSchema>;
type Verified = z.infer<typeof VerifiedSchema>;
const NONE_MINE = { seq: 0, hash: '' };

export interface TeamLedgerOptions {
  /** The desk's local ledger: the write-ahead copy of every entry. */
  ledger: Ledger;
  chain: TeamChain;
  /** Where this desk keeps its state (the ledger's folder, shared by the app and the command line). */
  dataDir: string;
  device: string;
  clock?: () => number;
}

/** A local entry meant for the team chain: the line's object as written, and where it ends in the file. */
interface LocalLine {
  raw: LedgerEntry;
  end: number;
}

/**
 * A desk's side of the team ledger. Revocations append to the local ledger (fsynced, the
 * write-ahead copy) with the team chain's id stamped on each record; `deliver` carries what the
 * team chain does not hold yet onto it, in order, in conditional batches (group commit), and is
 * safe to run from the app and the command line at once (one at a time per desk, under a lock;
 * other desks race through the chain's condition). Nothing is lost while the chain is unreachable:
 * what is pending is whatever the local ledger holds beyond this device's last team entry.
 *
 * `verify` checks, incrementally from the last team head this desk verified: the local chain; the
 * team chain from there on; that the team history verified before is still there unchanged; that
 * every team entry of this device is in the local ledger (so deleting or truncating the local
 * files shows); and that every local entry meant for the team is on it or still pending.
 */
export class TeamLedger {
  readonly chain: TeamChain;
  readonly #options: TeamLedgerOptions & { clock: () => number };
  /** Delivery's and verification's positions, one file each (each written by its own side only). */
  readonly #statePath: string;
  #last: { deliveredAtMs: number | null; error: string | null; pending: number; oldest: string | null; teamEntries: number | null } = {
    deliveredAtMs: null,
    error: null,
    pending: 0,
    oldest: null,
    teamEntries: null,
  };
  #round: Promise<ConfiguredStatus> | undefined;
  #next: Promise<ConfiguredStatus> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #nudged: NodeJS.Timeout | undefined;
  #again = false;
  #firstNudgeAt: number | undefined;
  #stopped = false;

  constructor(options: TeamLedgerOptions) {
    this.chain = options.chain;
    this.#options = { clock: Date.now, ...options };
    const name = createHash('sha256').update(options.chain.id).digest('hex').slice(0, 16);
    this.#statePath = join(options.dataDir, `team-ledger-${name}`);
  }

  /** What is pending, from the local ledger and what this desk last knew of the chain (no store call). */
  async status(): Promise<ConfiguredStatus> {
    const scanned = await this.#read('delivered', ScannedSchema);
    const { pending } = await this.#pendingLocal(scanned?.mine ?? NONE_MINE);
    this.#last.pending = pending.length;
    this.#last.oldest = pending[0]?.raw.time ?? null;
    return this.#status();
  }

  /**
   * The local ledger as revokers write to it: each record stamped with this chain's id (the
   * stamp is under the local hash, so it cannot be re-routed later), and delivery nudged once
   * the entries are fsynced. The revocation never waits for the team chain.
   */
  stamping(ledger: Pick<Ledger, 'append'>): Pick<Ledger, 'append'> {
    const team = this.chain.id;
    return {
      append: async (records) => {
        const sealed = await ledger.append(records.map((r) => ({ ...r, team })));
        this.nudge();
        return sealed;
      },
    };
  }

  /** Delivers in the background: now, every `intervalMs`, and shortly after each nudge. */
  start(intervalMs = 15_000): void {
    if (this.#timer) return;
    this.#stopped = false;
    this.#timer = setInterval(() => this.nudge(0), intervalMs);
    this.#timer.unref();
    this.nudge(0);
  }

  /**
   * A round once appends pause for `quietMs` (a revocation run's entries are delivered together,
   * group-committed, instead of competing with its store writes), but never later than
   * `QUIET_MAX_MS` after the first nudge. One running now is followed by one more.
   */
  nudge(quietMs = 300): void {
    if (this.#stopped) return;
    if (this.#round) {
      this.#again = true;
      return;
    }
    const now = Date.now();
    this.#firstNudgeAt ??= now;
    const at = Math.min(now + quietMs, this.#firstNudgeAt + QUIET_MAX_MS);
    clearTimeout(this.#nudged);
    this.#nudged = setTimeout(() => {
      this.#nudged = undefined;
      this.#firstNudgeAt = undefined;
      void this.deliver();
    }, at - now);
    this.#nudged.unref();
  }

  /** Stops background delivery and waits for a round in flight (what is pending stays in the local ledger). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearTimeout(this.#nudged);
    this.#timer = undefined;
    this.#nudged = undefined;
    this.#again = false;
    this.#stopped = true;
    await this.#round?.catch(() => undefined);
    await this.#next?.catch(() => undefined);
  }

  /**
   * A delivery round that covers everything appended before this call: a round already running
   * may have read the local ledger too early, so the callers that arrive meanwhile share one
   * round after it.
   */
  deliver(): Promise<ConfiguredStatus> {
    if (!this.#round) return this.#startRound();
    this.#next ??= this.#round.then(
      () => this.#startRound(),
      () => this.#startRound(),
    );
    return this.#next;
  }

  #startRound(): Promise<ConfiguredStatus> {
    this.#next = undefined;
    this.#again = false;
    const round = this.#deliverLocked().finally(() => {
      if (this.#round === round) this.#round = undefined;
      if (this.#again && !this.#stopped) this.nudge(0);
    });
    this.#round = round;
    return round;
  }

  async #deliverLocked(): Promise<ConfiguredStatus> {
    try {
      await mkdir(this.#options.dataDir, { recursive: true });
      await withFileLock(`${this.#statePath}.lock`, () => this.#deliver(), 30_000);
      this.#last.error = null;
    } catch (error) {
      this.#last.error = describe(error);
      // Still say how much is pending, from what this desk knows.
      await this.status().catch(() => undefined);
    }
    return this.#status();
  }

  async #deliver(): Promise<void> {
    const { chain, device } = this.#options;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      let caught = await this.#catchUp(await this.#read('delivered', ScannedSchema), await this.#read('verified', VerifiedSchema));
      let local = await this.#pendingLocal(caught.mine);
      if (!local.anchorFound) {
        // What this desk last delivered is not in its local ledger as recorded (the state file is
        // stale, forged, or the ledger was replaced): find its entries on the chain by their hashes.
        caught = await this.#catchUp(null, await this.#read('verified', VerifiedSchema));
        local = await this.#pendingLocal(caught.mine);
      }
      const { head, mine } = caught;
      await this.#write('delivered', { id: chain.id, head, mine });
      this.#last.teamEntries = head.seq;
      const { pending } = local;
      this.#last.pending = pending.length;
      this.#last.oldest = pending[0]?.raw.time ?? null;
      if (pending.length === 0) return;
      let at = head;
      let lost = false;
      for (let i = 0; i < pending.length; i += chain.maxBatch) {
        const batch = pending.slice(i, i + chain.maxBatch);
        const sealed: TeamEntry[] = [];
        let prev = at;
        for (const line of batch) {
          const entry = sealTeamEntry(line.raw, device, prev.seq + 1, prev.hash);
          sealed.push(entry);
          prev = { seq: entry.seq, hash: entry.hash };
        }
        if (!(await chain.append(sealed, at))) {
          lost = true; // another writer took the position: read what it wrote, then chain after it
          break;
        }
        at = prev;
        const last = batch[batch.length - 1];
        await this.#write('delivered', { id: chain.id, head: at, mine: last ? { seq: last.raw.seq, hash: last.raw.hash, end: last.end } : NONE_MINE });
        this.#last.deliveredAtMs = this.#options.clock();
        this.#last.teamEntries = at.seq;
        this.#last.pending = pending.length - (i + batch.length);
        this.#last.oldest = pending[i + batch.length]?.raw.time ?? null;
      }
      if (!lost) return;
    }
    throw new Error('the team ledger kept moving under this desk (50 attempts); entries stay pending and are tried again');
  }

  /**
   * Reads the team chain from where this desk last read it, checking each link, and finds this
   * device's last entry there. Refuses to go on when the history it read before is gone or
   * different: appending after a rewritten chain would seal the rewrite.
   */
  async #catchUp(scanned: Scanned | null, verified: Verified | null): Promise<{ head: TeamHead; mine: Mine }> {
    const { chain, device } = this.#options;
    let head = scanned?.head ?? EMPTY_HEAD;
    let mine: Mine = scanned?.mine ?? NONE_MINE;
    // Reading from the start (no state, or state not to be trusted): this desk's entries are the
    // ones whose local hash its ledger holds, whatever device id wrote them (it may have changed).
    const ownHashes = scanned ? null : new Set<string>();
    if (ownHashes) for await (const line of this.#localLines()) ownHashes.add(line.raw.hash);
    // What this desk read or verified before must still be there as it was. (A rewrite behind the
    // last entry read changes that entry's hash too; a verified head further on is checked itself.)
    for (const known of [head, verified?.head ?? EMPTY_HEAD]) {
      if (known.seq === 0 || (known !== head && known.seq <= head.seq)) continue;
      const anchor = await chain.at(known.seq);
      if (!anchor || declaredHash(anchor) !== known.hash) {
        throw new TeamChainError(
          `${chain.label} no longer holds entry ${known.seq} as this desk read it (${anchor ? 'rewritten' : 'its end was dropped'}): nothing is delivered until that is resolved (session-warden ledger verify says more)`,
          'malformed',
        );
      }
    }
    for (;;) {
      const page = await chain.read(head.seq + 1, PAGE);
      for (const stored of page) {
        const parsed = parseTeamLine(stored.text);
        if ('error' in parsed) throw new TeamChainError(`${chain.label} entry ${stored.seq}: ${parsed.error}`, 'malformed');
        const e = parsed.entry;
        if (stored.seq !== head.seq + 1 || e.seq !== stored.seq || e.prev !== head.hash) throw new TeamChainError(`${chain.label} entry ${stored.seq} does not follow entry ${head.seq}`, 'malformed');
        head = { seq: e.seq, hash: e.hash };
        // Only entries stamped for this chain: the same store named another way is another stamp.
        const own = ownHashes ? ownHashes.has(e.entry.hash) : e.device === device;
        if (own && e.entry.team === chain.id) mine = { seq: e.entry.seq, hash: e.entry.hash };
      }
      if (page.length < PAGE) return { head, mine };
    }
  }

  /**
   * Local entries meant for this chain after this device's last one on it, oldest first. Read
   * from where that entry's line ends when it is still there as delivered (each round reads only
   * what was appended since), else from the start.
   */
  async #pendingLocal(after: Mine): Promise<{ pending: LocalLine[]; anchorFound: boolean }> {
    const resume = after.end !== undefined && (await this.#lineEndingAt(after.end))?.hash === after.hash;
    const pending: LocalLine[] = [];
    let anchorFound = after.seq === 0 || resume;
    for await (const line of this.#localLines(resume ? after.end : 0)) {
      if (line.raw.seq > after.seq) pending.push(line);
      else if (line.raw.seq === after.seq && line.raw.hash === after.hash) anchorFound = true;
    }
    return { pending, anchorFound };
  }

  async #syncedLength(): Promise<number | null> {
    const path = this.#options.ledger.path;
    const size = () =>
      stat(path).then(
        (s) => s.size,
        () => null,
      );
    try {
      return await withFileLock(`${path}.lock`, size);
    } catch (error) {
      // A folder where no one can take the lock is one where no one appends (an auditor's copy).
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return size();
      throw error;
    }
  }

  /** The entry whose line ends at byte `end` of the local file, if that is where a line ends. */
  async #lineEndingAt(end: number): Promise<{ hash: string } | null> {
    let file: FileHandle | undefined;
    try {
      file = await open(this.#options.ledger.path, 'r');
      const line = await lastCompleteLine(file, end);
      const parsed = line === null ? null : (JSON.parse(line) as { hash?: unknown });
      return typeof parsed?.hash === 'string' ? { hash: parsed.hash } : null;
    } catch {
      return null;
    } finally {
      await file?.close();
    }
  }

  /** The local entries stamped for this chain from byte `from`, as written (key order kept: the hashes cover it). */
  async *#localLines(from = 0): AsyncGenerator<LocalLine> {
    const path = this.#options.ledger.path;
    // The length under the ledger's lock: appends write and fsync under it, so every line before
    // it is durable (a line read mid-append could vanish in a power cut after it was delivered).
    const size = await this.#syncedLength();
    if (size === null || from > size) return;
    // Only lines that name this chain are parsed (the id is JSON-quoted in them as written).
    const stamp = JSON.stringify(this.chain.id);
    for await (const { text, end } of ledgerLines(path, from, size)) {
      if (end === null || !text.includes(stamp)) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        continue; // damage is the verifier's to report; delivery carries only whole entries
      }
      if (!LedgerEntrySchema.safeParse(raw).success) continue;
      if ((raw as LedgerEntry).team === this.chain.id) yield { raw: raw as LedgerEntry, end };
    }
  }

  /**
   * Verifies the local chain, then the team chain from the last head this desk verified (all of
   * it with `full`, or when this desk never verified it), cross-checking this device's entries.
   */
  async verify(options: { full?: boolean } = {}): Promise<VerifyReport & { team: TeamVerify }> {
    const { chain, device } = this.#options;
    const local = await this.#options.ledger.verify();
    const mineLocal: { seq: number; hash: string }[] = [];
    for await (const line of this.#localLines()) mineLocal.push({ seq: line.raw.seq, hash: line.raw.hash });
    const verified = await this.#read('verified', VerifiedSchema);
    const full = options.full === true || verified === null;
    let head = full || !verified ? EMPTY_HEAD : verified.head;
    let mine = full || !verified ? NONE_MINE : verified.mine;
    let read = 0;
    const team = (fields: Partial<TeamVerify> & { ok: boolean }): VerifyReport & { team: TeamVerify } => ({
      ...local,
      ok: local.ok && fields.ok,
      team: { label: chain.label, entries: head.seq, read, full, pending: Math.max(0, mineLocal.length - (indexOf(mineLocal, mine.seq) + 1)), ...fields },
    });
    const broken = (at: number, reason: string) => team({ ok: false, brokenAt: at, reason });

    if (head.seq > 0) {
      const anchor = await chain.at(head.seq);
      const when = new Date(verified?.atMs ?? 0).toISOString();
      if (!anchor) return broken(head.seq, `the team ledger no longer has entry ${head.seq}, which this desk verified at ${when} (entries dropped from its end, or the chain was replaced)`);
      read += 1;
      if (declaredHash(anchor) !== head.hash) return broken(head.seq, `entry ${head.seq} differs from the one this desk verified at ${when} (the team chain was rewritten)`);
    }
    // What this desk's delivery read or wrote, even if it never verified it, must still be there (checked as it is read).
    const delivered = await this.#read('delivered', ScannedSchema);
    const anchored = mineLocal[indexOf(mineLocal, mine.seq)];
    if (mine.seq > 0 && !anchored) {
      return broken(head.seq, `this desk's local entry ${mine.seq}, which the team ledger holds, is missing from the local ledger (local files deleted or truncated)`);
    }
    if (anchored && anchored.hash !== mine.hash) {
      return broken(head.seq, `this desk's local entry ${mine.seq} differs from the copy on the team ledger (local ledger rewritten)`);
    }
    let next = indexOf(mineLocal, mine.seq) + 1;
    for (;;) {
      let page: StoredTeamEntry[];
      try {
        page = await chain.read(head.seq + 1, PAGE);
      } catch (error) {
        // A stored item that is not an entry at all is damage, not an unreachable store.
        if (error instanceof TeamChainError && error.reason === 'malformed') return broken(head.seq + 1, error.message);
        throw error;
      }
      for (const stored of page) {
        read += 1;
        const at = head.seq + 1;
        const parsed = parseTeamLine(stored.text);
        if ('error' in parsed) return broken(at, parsed.error);
        const e = parsed.entry;
        if (stored.seq !== at || e.seq !== at) return broken(at, `expected entry ${at}, found entry ${e.seq} (removed or reordered)`);
        if (e.prev !== head.hash) return broken(at, 'does not link to the entry before it (removed, reordered or altered)');
        if (delivered && delivered.head.seq === at && delivered.head.hash !== e.hash) return broken(at, `differs from the entry this desk's delivery read or wrote there (the team chain was rewritten)`);
        if (e.device === device) {
          const expected = mineLocal[next];
          if (!expected || expected.seq > e.entry.seq) return broken(at, `carries this desk's local entry ${e.entry.seq}, which the local ledger does not have (local files deleted, truncated or rewritten)`);
          if (expected.seq < e.entry.seq) return broken(at, `this desk's local entry ${expected.seq} never reached the team ledger, but the later entry ${e.entry.seq} did`);
          if (expected.hash !== e.entry.hash) return broken(at, `carries this desk's local entry ${e.entry.seq}, which differs in the local ledger (one of them was altered)`);
          next += 1;
          mine = { seq: e.entry.seq, hash: e.entry.hash };
        }
        head = { seq: e.seq, hash: e.hash };
      }
      if (page.length < PAGE) break;
    }
    if (delivered && delivered.head.seq > head.seq) {
      return broken(head.seq + 1, `the team ledger no longer has entry ${delivered.head.seq}, which this desk's delivery read or wrote (entries dropped from its end, or the chain was replaced)`);
    }
    // Delivery recorded this local entry as on the team chain: if the chain does not hold it, it was removed.
    if (delivered && delivered.mine.seq > mine.seq && delivered.mine.seq > 0) {
      return broken(head.seq, `this desk delivered its local entry ${delivered.mine.seq} to the team ledger, which does not hold it (removed from the chain, or this desk's delivery record was altered)`);
    }
    const report = team({ ok: true });
    if (report.ok) await this.#write('verified', { id: chain.id, head, mine, atMs: this.#options.clock() } satisfies Verified);
    return report;
  }

  #status(): ConfiguredStatus {
    const l = this.#last;
    return { configured: true, label: this.chain.label, pending: l.pending, oldestPendingTime: l.oldest, teamEntries: l.teamEntries, lastDeliveredAtMs: l.deliveredAtMs, lastError: l.error };
  }

  /** A position kept by this desk; null when there is none (or it is unreadable: the chain is then read from its start). */
  async #read<T extends { id: string }>(which: 'delivered' | 'verified', schema: z.ZodType<T>): Promise<T | null> {
    const text = await readFile(`${this.#statePath}.${which}.json`, 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const state = schema.parse(JSON.parse(text));
      return state.id === this.chain.id ? state : null;
    } catch {
      return null;
    }
  }

  async #write(which: 'delivered' | 'verified', state: Scanned | Verified): Promise<void> {
    await writeFileAtomic(`${this.#statePath}.${which}.json`, JSON.stringify(state));
  }
}

function indexOf(list: { seq: number }[], seq: number): number {
  if (seq === 0) return -1;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = list[mid]?.seq ?? 0;
    if (at === seq) return mid;
    if (at < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function declaredHash(stored: StoredTeamEntry): string | null {
  try {
    const hash = (JSON.parse(stored.text) as { hash?: unknown }).hash;
    return typeof hash === 'string' ? hash : null;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'error';
}
