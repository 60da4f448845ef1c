import { summarisePending, type BlacklistPending, type BlacklistTargetStatus } from '../../src-shared/blacklist';
import { formatErrorForLog } from '../log-format';
import { openBlacklist, outboxesWithPending, type BlacklistTarget, type OpenedBlacklist } from './blacklist-targets';
import { outboxPathFor } from './outbox';

/** A saved connection's blacklist Redis and the credentials to reach it (decided in main). */
export interface DeliveryCredentials {
  /** The saved connection's name, for the operator. */
  connection: string;
  target: BlacklistTarget;
}

export interface BlacklistDeliveryOptions {
  /** Where the outboxes are (the app's data directory, shared with the command line). */
  dataDir: string;
  /** Every saved connection with a blacklist Redis, read again each round (they may change). */
  credentials: () => Promise<DeliveryCredentials[]>;
  intervalMs?: number;
  clock?: () => number;
}

/**
 * Delivers pending blacklist writes from app start, whichever connection is on screen: every
 * round it reads every outbox file again (the command line may have added to one), and retries
 * each non-empty one with its own saved connection's credentials. A Redis client is held only
 * while its outbox has something pending.
 */
export class BlacklistDelivery {
  readonly #options: Required<Omit<BlacklistDeliveryOptions, 'clock'>> & { clock: () => number };
  readonly #open = new Map<string, { key: string; opened: OpenedBlacklist }>();
  readonly #attempts = new Map<string, { atMs: number; error?: string }>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<BlacklistPending> | undefined;

  constructor(options: BlacklistDeliveryOptions) {
    this.#options = { intervalMs: 15_000, clock: Date.now, ...options };
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.deliver().catch(() => undefined), this.#options.intervalMs);
    this.#timer.unref();
    void this.deliver().catch(() => undefined);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#round?.catch(() => undefined);
    await Promise.all([...this.#open.values()].map(({ opened }) => opened.close()));
    this.#open.clear();
  }

  /** One delivery round now (Retry now); a round already running is joined, not doubled. */
  deliver(): Promise<BlacklistPending> {
    this.#round ??= this.#deliver().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  /** What is pending now, read from the files, with what the last round said of each. */
  async status(): Promise<BlacklistPending> {
    const { dataDir } = this.#options;
    const [outboxes, credentials] = await Promise.all([outboxesWithPending(dataDir), this.#options.credentials()]);
    const targets: BlacklistTargetStatus[] = outboxes.map((outbox) => {
      const owner = ownerOf(credentials, dataDir, outbox.path);
      const attempt = this.#attempts.get(outbox.path);
      const error = attempt?.error ?? (owner ? undefined : NO_CONNECTION);
      return {
        target: outbox.target,
        connection: owner?.connection ?? null,
        pending: outbox.pending.length,
        oldestQueuedAtMs: outbox.oldestQueuedAtMs,
        ...(error ? { error } : {}),
        lastAttemptMs: attempt?.atMs ?? null,
      };
    });
    return summarisePending(targets);
  }

  async #deliver(): Promise<BlacklistPending> {
    const { dataDir, clock } = this.#options;
    const [outboxes, credentials] = await Promise.all([outboxesWithPending(dataDir), this.#options.credentials()]);
    for (const outbox of outboxes) {
      const owner = ownerOf(credentials, dataDir, outbox.path);
      if (!owner) {
        this.#attempts.set(outbox.path, { atMs: clock(), error: NO_CONNECTION });
        continue;
      }
      try {
        const opened = await this.#client(outbox.path, owner.target);
        const report = await opened.mirror.flush();
        this.#attempts.set(outbox.path, { atMs: clock(), ...(report.error ? { error: report.error } : {}) });
      } catch (error) {
        this.#attempts.set(outbox.path, { atMs: clock(), error: formatErrorForLog(error).split('\n')[0] ?? 'delivery failed' });
      }
    }
    // Nothing left for a Redis: let its connection go.
    const stillPending = new Set(outboxes.map((o) => o.path));
    for (const [path, { opened }] of this.#open) {
      if (stillPending.has(path) && opened.mirror.pendingCount() > 0) continue;
      this.#open.delete(path);
      await opened.close();
    }
    return this.status();
  }

  /** The client for an outbox, opened again when the connection's target or credentials changed. */
  async #client(path: string, target: BlacklistTarget): Promise<OpenedBlacklist> {
    const key = JSON.stringify([target.url, target.username ?? '', target.password ?? '']);
    const held = this.#open.get(path);
    if (held?.key === key) return held.opened;
    if (held) await held.opened.close();
    const opened = await openBlacklist(target, this.#options.dataDir);
    this.#open.set(path, { key, opened });
    return opened;
  }
}

/** The saved connection whose blacklist Redis an outbox file is for (outboxes are named by URL). */
function ownerOf(credentials: DeliveryCredentials[], dataDir: string, outboxPath: string): DeliveryCredentials | undefined {
  return credentials.find((c) => outboxPathFor(dataDir, c.target.url) === outboxPath);
}

const NO_CONNECTION = 'no saved connection uses this blacklist Redis: deliver with the command line (any run with --blacklist-redis URL) or save a connection for it';
