import { join } from 'node:path';
import { formatErrorForLog } from '../log-format';
import { Ledger } from '../ledger/ledger';
import { deviceId } from './device-id';
import type { TeamChain } from './team-chain';
import { TeamLedger } from './team-ledger';

/** A saved connection's team ledger, with the way to reach it (its own credentials, decided in main). */
export interface TeamTarget {
  /** The saved connection's name, for the log. */
  connection: string;
  /** The chain's id, known without connecting: the stamp its local entries carry. */
  chainId: string;
  open(): Promise<{ chain: TeamChain; close(): Promise<void> }>;
}

export interface TeamDeliveriesOptions {
  /** The app's data directory: its `ledger.jsonl` is the one saved connections revoke into. */
  dataDir: string;
  /** Every saved connection with a team ledger, read again each round (they may change). */
  targets: () => Promise<TeamTarget[]>;
  /** The chain the active workspace delivers to itself (skipped here), or null. */
  active: () => string | null;
  intervalMs?: number;
}

/**
 * Delivers entries pending for the team ledgers of every saved connection, whichever one is on
 * screen (the command line, or a connection used earlier, may have left some): every round it
 * looks in the local ledger for each chain's stamp (no store call), and only where something is
 * pending opens that connection, delivers, and closes it again.
 */
export class TeamDeliveries {
  readonly #options: Required<TeamDeliveriesOptions>;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  /** Why the last round left a connection's entries pending, by connection name. */
  readonly #problems = new Map<string, string>();

  constructor(options: TeamDeliveriesOptions) {
    this.#options = { intervalMs: 15_000, ...options };
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.deliver(), this.#options.intervalMs);
    this.#timer.unref();
    void this.deliver();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  /** Connections whose entries the last round could not deliver, and why. */
  problems(): { connection: string; error: string }[] {
    return [...this.#problems].map(([connection, error]) => ({ connection, error }));
  }

  /** One round now; a round already running is joined. Never rejects: what fails stays pending. */
  deliver(): Promise<void> {
    this.#round ??= this.#deliver().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async #deliver(): Promise<void> {
    const { dataDir } = this.#options;
    const ledger = new Ledger(join(dataDir, 'ledger.jsonl'));
    let targets: TeamTarget[];
    try {
      targets = await this.#options.targets();
    } catch (error) {
      this.#problems.set('', `the saved connections could not be read: ${firstLine(error)}`);
      return;
    }
    this.#problems.clear();
    const device = await deviceId(dataDir);
    for (const target of targets) {
      if (target.chainId === this.#options.active()) continue;
      try {
        const counting = new TeamLedger({ ledger, chain: unopened(target.chainId), dataDir, device });
        if ((await counting.status()).pending === 0) continue;
        const { chain, close } = await target.open();
        try {
          const status = await new TeamLedger({ ledger, chain, dataDir, device }).deliver();
          if (status.lastError) this.#problems.set(target.connection, `${status.pending} pending: ${status.lastError}`);
        } finally {
          await close();
        }
      } catch (error) {
        this.#problems.set(target.connection, firstLine(error));
      }
    }
  }
}

function firstLine(error: unknown): string {
  return formatErrorForLog(error).split('\n')[0] ?? 'delivery failed';
}

/** A chain known by its id only: enough to count what is pending for it, never to reach it. */
function unopened(id: string): TeamChain {
  const never = (): never => {
    throw new Error('not opened');
  };
  return { id, label: id, maxBatch: 1, tail: never, append: never, read: never, readNewest: never, at: never, close: async () => undefined };
}
