import { appendFile, open } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { CanaryReportSchema, type CanaryHistory, type CanarySettings, type CanaryStatus } from '../../src-shared/canary';
import { CANARY_DEFAULT_EVERY_MINUTES, CANARY_DEFAULT_THRESHOLD_MS, CANARY_HISTORY_MAX } from '../../src-shared/canary-defaults';
import { CANARY_HISTORY_FILE, CANARY_NOTE } from '../cli/canary-command';
import { WardenError } from '../errors';
import type { Revoker } from '../revocation/revoker';
import type { SessionStore } from '../session-store';
import { runCanary, type CanaryReport } from './canary';
import type { CanaryGround } from './canary-ground';

export { CANARY_HISTORY_FILE };

/** Timers the schedule uses; tests inject their own and fire them. */
export interface CanaryTimers {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface CanaryRunnerOptions {
  /** The connection's name in the ledger and the history (what `canary run --connection` records). */
  connection: string;
  /** The connection's name as the operator knows it, for messages and notifications. */
  displayName: string;
  readOnly: boolean;
  /** The saved connection's opt-in; absent: not enabled. */
  settings: CanarySettings | undefined;
  /** Where the store kind writes its canary; absent where the kind has none (the demo, PostgreSQL so far). */
  ground: CanaryGround | undefined;
  store: Pick<SessionStore, 'get'>;
  /** Null on a read-only connection. */
  revoker: Revoker | null;
  /** The connection's blacklist Redis, when it mirrors revocations to one. */
  blacklist: Pick<Redis, 'exists' | 'del'> | undefined;
  /** `canary-history.jsonl` beside the ledger: the file the command line keeps too. */
  historyPath: string;
  notify: (notification: { title: string; body: string }) => void;
  timers?: CanaryTimers | undefined;
  /** Milliseconds since the epoch, for `nextAt`; injected by tests. */
  clock?: (() => number) | undefined;
  /** How long a run waits for the store and the blacklist (runCanary's default otherwise). */
  waitMs?: number | undefined;
}

/** How much of the history file's end is read: some thousands of runs, never the whole of a years-old file. */
const HISTORY_TAIL_BYTES = 4 * 1024 * 1024;

const realTimers: CanaryTimers = {
  setInterval: (run, ms) => {
    const handle = setInterval(run, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/**
 * The enforcement canary in the app, for the open connection: on demand (`canary:run`) and, when
 * the saved connection opted in, every `everyMinutes` while the workspace is open. It is
 * `runCanary` wired as `session-warden canary run` wires it (the normal ledgered revocation with
 * the canary's note, the blacklist Redis checked and cleaned) and each run goes to the same
 * history file. A run that is not proven, or slower than the threshold, raises a notification.
 * One run at a time: a run asked for while one is in flight answers that one.
 */
export class CanaryRunner {
  readonly #o: CanaryRunnerOptions;
  readonly #timers: CanaryTimers;
  readonly #clock: () => number;
  #handle: unknown = null;
  #nextAt: number | null = null;
  #running: Promise<CanaryReport> | null = null;

  constructor(options: CanaryRunnerOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
    this.#clock = options.clock ?? Date.now;
  }

  get #everyMs(): number {
    return (this.#o.settings?.everyMinutes ?? CANARY_DEFAULT_EVERY_MINUTES) * 60_000;
  }

  status(): CanaryStatus {
    const s = this.#o.settings;
    return {
      state: this.#state(),
      everyMinutes: s?.enabled ? (s.everyMinutes ?? CANARY_DEFAULT_EVERY_MINUTES) : null,
      thresholdMs: s?.thresholdMs ?? CANARY_DEFAULT_THRESHOLD_MS,
      probeUrl: s?.probeUrl ?? null,
      running: this.#running !== null,
      nextAt: this.#nextAt === null ? null : new Date(this.#nextAt).toISOString(),
    };
  }

  #state(): CanaryStatus['state'] {
    if (this.#o.readOnly || this.#o.revoker === null) return 'read-only';
    if (!this.#o.ground) return 'unsupported';
    return this.#o.settings?.enabled === true ? 'enabled' : 'not-enabled';
  }

  /** Runs every `everyMinutes` from now (the first run one period after opening), if the connection opted in. */
  start(): void {
    if (this.#handle !== null || this.#state() !== 'enabled') return;
    this.#nextAt = this.#clock() + this.#everyMs;
    this.#handle = this.#timers.setInterval(() => {
      this.#nextAt = this.#clock() + this.#everyMs;
      // A run still in flight when the next is due is not queued behind it.
      if (this.#running) return;
      void this.run().catch(() => undefined);
    }, this.#everyMs);
  }

  async stop(): Promise<void> {
    if (this.#handle !== null) this.#timers.clearInterval(this.#handle);
    this.#handle = null;
    this.#nextAt = null;
    await this.#running?.catch(() => undefined);
  }

  /** One run now (or the one in flight); refused where the connection may not or did not opt in. */
  run(): Promise<CanaryReport> {
    const state = this.#state();
    if (state === 'read-only') throw new WardenError('READ_ONLY', `"${this.#o.displayName}" is read-only (auditor mode): it never writes, so the enforcement canary does not run on it.`);
    if (state === 'unsupported') throw new WardenError('VALIDATION', `This kind of store has no enforcement canary yet (Sentinel in DynamoDB and web sessions in Redis have one): nothing was written.`);
    if (state === 'not-enabled') {
      throw new WardenError('VALIDATION', `The enforcement canary is not enabled for "${this.#o.displayName}": nothing was written. Enable it in the connection's settings (it writes, revokes and removes a test session).`);
    }
    if (this.#running) return this.#running;
    const run = this.#run().finally(() => {
      if (this.#running === run) this.#running = null;
    });
    this.#running = run;
    return run;
  }

  async #run(): Promise<CanaryReport> {
    const o = this.#o;
    const ground = o.ground as CanaryGround;
    const revoker = o.revoker as Revoker;
    const blacklist = o.blacklist;
    const settings = o.settings;
    const report = await runCanary({
      connection: o.connection,
      // The canary's blacklist entry goes with it, from a separate blacklist Redis too.
      ground: blacklist
        ? {
            ...ground,
            remove: async (id) => {
              await ground.remove(id);
              await blacklist.del(`revoked:${id}`);
            },
          }
        : ground,
      store: o.store,
      revoke: async (id) => {
        const result = await revoker.revokeSessions({ ids: [id], reasonCode: 'other', note: CANARY_NOTE });
        const [one] = result.results;
        if (!one) throw new Error('the revocation returned no result');
        return one;
      },
      blacklisted: blacklist ? async (id) => (await blacklist.exists(`revoked:${id}`)) === 1 : (ground.blacklisted ?? null),
      probeUrl: settings?.probeUrl,
      thresholdMs: settings?.thresholdMs ?? CANARY_DEFAULT_THRESHOLD_MS,
      ...(o.waitMs !== undefined ? { waitMs: o.waitMs } : {}),
    });
    try {
      await appendFile(o.historyPath, `${JSON.stringify(report)}\n`, { mode: 0o600 });
    } catch {
      // The run itself is still answered and alarmed on; the history misses it.
    }
    this.#alarm(report);
    return report;
  }

  #alarm(report: CanaryReport): void {
    if (report.proven && report.slow.length === 0) return;
    const failed = report.steps.filter((s) => s.result === 'failed');
    const first = failed[0];
    this.#o.notify(
      report.proven
        ? {
            title: `Enforcement canary slow on ${clip(this.#o.displayName)}`,
            body: `Revocation proven, but slower than ${report.thresholdMs} ms at ${report.slow.join(', ')}. Open Session Warden's Audit screen for the run.`,
          }
        : {
            title: `Enforcement NOT proven on ${clip(this.#o.displayName)}`,
            body: `The canary's ${failed.map((s) => s.step).join(', ') || 'store'} step failed${first ? `: ${clip(first.detail, 160)}` : ''}. Open Session Warden's Audit screen for the run.`,
          },
    );
  }

  /** This connection's runs from the history file, newest first, at most `limit`. */
  async history(limit = 50): Promise<CanaryHistory> {
    const bounded = Math.min(Math.max(1, limit), CANARY_HISTORY_MAX);
    const runs: CanaryHistory['runs'] = [];
    const lines = await tailLines(this.#o.historyPath, HISTORY_TAIL_BYTES);
    for (let i = lines.length - 1; i >= 0 && runs.length < bounded; i--) {
      const line = lines[i];
      if (!line) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      const run = CanaryReportSchema.safeParse(parsed);
      if (run.success && run.data.connection === this.#o.connection) runs.push(run.data);
    }
    // Appended in order; a clock that moved back, or two desks on one file, still read newest first.
    runs.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    return { status: this.status(), runs };
  }
}

/** The whole lines of the last `bytes` of a file (none when it does not exist yet). */
async function tailLines(path: string, bytes: number): Promise<string[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    // Cut mid-line: the first piece is not a whole run.
    return start > 0 ? lines.slice(1) : lines;
  } finally {
    await handle.close();
  }
}

/** Store strings are untrusted: short and on one line in a notification. */
function clip(text: string, max = 64): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
