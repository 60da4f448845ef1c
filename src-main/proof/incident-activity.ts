import type { IncidentActivityCheck } from '../../src-shared/people';
import { WardenError } from '../errors';
import { storeFailureReason } from '../ipc/store-failure';
import { Ledger } from '../ledger/ledger';
import type { LedgerEntry } from '../ledger/ledger-entry';
import { formatErrorForLog } from '../log-format';
import { DEMO_REF, within, type PeopleConnections, type PeopleTarget } from '../people/people-connections';
import { storeKind } from '../stores/registry';
import type { OpenedStore } from '../stores/store-kind';
import { RevocationWatch, type TickReport } from './revocation-watch';

export interface IncidentActivityOptions {
  connections: PeopleConnections;
  /** How long one connection may take to open and answer (default 10 s): then it is `unreachable`. */
  timeoutMs?: number;
  clock?: () => number;
}

/** A watch of one non-active connection, kept between checks (its baselines and notification quiet). */
interface QuietWatch {
  watch: RevocationWatch;
  /** Opens the store for the round in progress (set per round; opened only if something is to be read). */
  open: (() => Promise<OpenedStore>) | null;
  /** The check in progress: checks of one connection (the view's refresh, the background) take turns. */
  turn: Promise<unknown>;
}

/**
 * Activity after revocation on every connection of an incident (issue 18 with issue 16), not only
 * the active one: the sessions revoked there under the incident's runs are read back in one
 * batched `getMany` per connection and judged by the revocation watch itself (its ledger-derived
 * baselines, its alarm entries, its notifications). The active connection goes through its
 * workspace's watch; another is opened quietly with its own credentials, read, and closed. New
 * activity is an `alarm` in that connection's ledger, once: every watch of a connection and
 * ledger takes its turn (see `RevocationWatch.tick`) and reads the others' alarms first.
 */
export class IncidentActivity {
  readonly #connections: PeopleConnections;
  readonly #timeoutMs: number;
  readonly #clock: () => number;
  /** Per connection id: the watch of its current definition (an edited connection's earlier one is dropped). */
  readonly #quiet = new Map<string, QuietWatch & { key: string }>();

  constructor(options: IncidentActivityOptions) {
    this.#connections = options.connections;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Checks each target (in parallel) for use of the sessions revoked there by `runs` (run id ->
   * the id of the connection it revoked on, as the incident records them). Never throws: each
   * connection says how it went.
   */
  check(targets: readonly PeopleTarget[], runs: ReadonlyMap<string, string>): Promise<IncidentActivityCheck[]> {
    return Promise.all(
      targets.map((target) => {
        const mine = new Set([...runs].filter(([, ref]) => ref === target.ref).map(([run]) => run));
        return this.#checkOne(target, mine);
      }),
    );
  }

  async #checkOne(target: PeopleTarget, runs: ReadonlySet<string>): Promise<IncidentActivityCheck> {
    const only = (revocation: LedgerEntry) => runs.has(revocation.run);
    const base = { connection: target.ref, name: target.heading.name };
    const at = () => new Date(this.#clock()).toISOString();
    const checked = (report: TickReport): IncidentActivityCheck => ({ ...base, state: 'checked', sessions: report.read, newAlarms: report.alarms.length, checkedAt: at() });
    const notChecked = (problem: string): IncidentActivityCheck => ({ ...base, state: 'not-checked', sessions: 0, newAlarms: 0, problem, checkedAt: at() });
    const what = `"${target.heading.name}"`;
    const readOnly = 'read-only connection (auditor mode): Session Warden revokes and watches nothing there';
    try {
      if (this.#onActive(target)) {
        const report = await within(
          this.#timeoutMs,
          this.#connections.onActive(async (workspace) => {
            if (!workspace.watch) return null;
            // Recorded under an earlier name of this connection (renamed since): watched all the same.
            workspace.watch.adopt(runs);
            return workspace.watch.tick(only);
          }),
          what,
        );
        if (report === null) return notChecked(target.heading.readOnly ? readOnly : 'this store cannot be read back in batches, so revoked sessions are not watched');
        return checked(report);
      }
      if (target.ref === DEMO_REF) return notChecked('the embedded demo store runs only while it is the active connection');
      if (target.heading.readOnly) return notChecked(readOnly);
      return checked(await this.#checkQuietly(target, runs, what));
    } catch (error) {
      return { ...base, state: 'unreachable', sessions: 0, newAlarms: 0, problem: why(error), checkedAt: at() };
    }
  }

  /** One round of the connection's own quiet watch: the store opened only if a session is to be read, closed after. */
  async #checkQuietly(target: PeopleTarget, runs: ReadonlySet<string>, what: string): Promise<TickReport> {
    const saved = target.saved as NonNullable<PeopleTarget['saved']>;
    const quiet = this.#watchOf(target);
    const only = (revocation: LedgerEntry) => runs.has(revocation.run);
    quiet.watch.adopt(runs);
    const round = async () => {
      let opening: Promise<OpenedStore> | null = null;
      // Read-only: the check reads, never writes, in the store (the alarm goes to the local ledger).
      quiet.open = () => (opening ??= storeKind(target.store).open(target.store, this.#connections.secretsOf(saved), { readOnly: true }));
      try {
        return await within(this.#timeoutMs, quiet.watch.tick(only), what);
      } finally {
        quiet.open = null;
        // Closed whether it answered or hung (a hung client stops retrying, and its read fails).
        if (opening) void (opening as Promise<OpenedStore>).then((opened) => opened.close()).catch(() => undefined);
      }
    };
    const run = quiet.turn.catch(() => undefined).then(round);
    quiet.turn = run;
    return run;
  }

  #watchOf(target: PeopleTarget): QuietWatch {
    // Per definition: an edited connection is another store, whose baselines start again from the ledger.
    const key = `${target.ledgerPath}\0${target.ledgerName}\0${target.heading.fingerprint}`;
    const known = this.#quiet.get(target.ref);
    if (known?.key === key) return known;
    const slot: Omit<QuietWatch, 'watch'> = { open: null, turn: Promise.resolve() };
    const watch = new RevocationWatch({
      store: {
        getMany: async (ids, onUnreadable) => {
          if (!slot.open) throw new WardenError('STORE_UNAVAILABLE', `"${target.heading.name}" is not open for a check`);
          const { store } = await slot.open();
          if (!store.getMany) throw new WardenError('STORE_UNAVAILABLE', 'this store cannot be read back in batches');
          return store.getMany(ids, onUnreadable);
        },
      },
      ledger: new Ledger(target.ledgerPath),
      connection: target.ledgerName,
      clock: this.#clock,
      notify: this.#connections.desktop.notify,
    });
    const quiet = Object.assign(slot, { watch, key });
    this.#quiet.set(target.ref, quiet);
    return quiet;
  }

  /** The active workspace is the one to use (opened from the definition the target was read from), as incident mode decides everywhere. */
  #onActive(target: PeopleTarget): boolean {
    if (target.ref !== this.#connections.activeId()) return false;
    const opened = this.#connections.activeFingerprint();
    return opened === null || opened === target.heading.fingerprint;
  }
}

/** Why a connection could not be checked, for the analyst (adapters' and socket messages only, never a secret). */
function why(error: unknown): string {
  if (error instanceof WardenError) return error.message;
  const reason = storeFailureReason(error);
  if (reason) return `the store could not be used: ${reason}`;
  return (formatErrorForLog(error).split('\n')[0] ?? 'unknown error').replace(/^[A-Za-z]*Error: /, '');
}
