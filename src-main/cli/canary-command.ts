import { appendFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCanary, type CanaryReport } from '../proof/canary';
import type { CliConnection } from './connect';
import { EXIT, UsageError } from './cli-errors';
import { table, terminalSafe } from './output';

/** Every run is kept here, beside the ledger (the app's data directory by default), one JSON object a line. */
export const CANARY_HISTORY_FILE = 'canary-history.jsonl';

/** Propagation slower than this is reported as slow (exit 5) unless --threshold-ms says otherwise. */
const DEFAULT_THRESHOLD_MS = 2_000;

/** The note the canary's revocation carries in the store and the ledger, so nobody mistakes it for a real one. */
export const CANARY_NOTE = 'session-warden canary: enforcement self-test';

/** Checks --probe-url and --threshold-ms before anything connects. */
export function canaryArguments(probeUrl: string | undefined, threshold: string | undefined): { probeUrl?: string; thresholdMs: number } {
  if (probeUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(probeUrl);
    } catch {
      throw new UsageError(`--probe-url: not a URL: ${probeUrl}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--probe-url must be an http:// or https:// URL');
    if (url.username || url.password) throw new UsageError('--probe-url must not carry credentials: the canary presents its own session');
  }
  const thresholdMs = threshold === undefined ? DEFAULT_THRESHOLD_MS : Number(threshold);
  if (!Number.isInteger(thresholdMs) || thresholdMs < 1 || thresholdMs > 600_000) throw new UsageError('--threshold-ms must be a whole number of milliseconds from 1 to 600000');
  return { ...(probeUrl !== undefined ? { probeUrl } : {}), thresholdMs };
}

/**
 * `canary run`: writes the canary into the connection's store, revokes it through the normal
 * (ledgered) path, checks the store and the blacklist say so and, with --probe-url, that a
 * protected service accepted it before and refuses it after; removes it; keeps the run in the
 * history file. Exit 0 proven, 1 not proven, 5 proven but slower than the threshold.
 */
export async function canaryRun(conn: CliConnection, args: { probeUrl?: string; thresholdMs: number }, output: string, io: { out(text: string): void; err(text: string): void; now(): number }): Promise<number> {
  const ground = conn.canary;
  if (!ground) throw new UsageError('this kind of store has no canary yet (Sentinel in DynamoDB and web sessions in Redis have one)');

  // Refused first on a read-only connection (nothing is written there, canary or not).
  const revoker = await conn.revoker();
  // A saved connection runs the canary only where the operator turned it on, as in the app.
  if (conn.canarySettings === null) {
    throw new UsageError(`the enforcement canary is not enabled for saved connection "${conn.name}": turn it on in the app (Connections, edit, Enforcement canary) first; nothing was written`);
  }
  const blacklist = conn.blacklist;
  const report = await runCanary({
    connection: conn.name,
    // The canary's blacklist entry goes with it, from a separate blacklist Redis too.
    ground: blacklist
      ? {
          ...ground,
          remove: async (id) => {
            await ground.remove(id);
            await blacklist.redis.del(`revoked:${id}`);
          },
        }
      : ground,
    store: conn.store,
    revoke: async (id) => {
      const result = await revoker.revokeSessions({ ids: [id], reasonCode: 'other', note: CANARY_NOTE });
      const [one] = result.results;
      if (!one) throw new Error('the revocation returned no result');
      return one;
    },
    blacklisted: blacklist ? async (id) => (await blacklist.redis.exists(`revoked:${id}`)) === 1 : (ground.blacklisted ?? null),
    probeUrl: args.probeUrl,
    thresholdMs: args.thresholdMs,
    now: io.now,
  });
  try {
    await appendFile(join(dirname(conn.ledger.path), CANARY_HISTORY_FILE), `${JSON.stringify(report)}\n`, { mode: 0o600 });
  } catch (error) {
    io.err(`session-warden: the run could not be kept in the canary history: ${terminalSafe((error as Error).message)}`);
  }
  io.out(output === 'json' ? JSON.stringify(report, null, 2) : formatCanary(report));
  if (!report.proven) return EXIT.incomplete;
  return report.slow.length > 0 ? EXIT.canarySlow : EXIT.ok;
}

function formatCanary(report: CanaryReport): string {
  const rows = report.steps.map((s) => [s.step, s.result, s.ms === null ? '-' : `${s.ms} ms`, s.detail]);
  const verdict = report.proven
    ? report.slow.length > 0
      ? `Enforcement proven, but slower than ${report.thresholdMs} ms: ${report.slow.join(', ')}.`
      : 'Enforcement proven: the revocation took effect everywhere it was checked.'
    : `Enforcement NOT proven: ${report.steps.filter((s) => s.result === 'failed').map((s) => s.step).join(', ')} failed.`;
  return `${table(['STEP', 'RESULT', 'TIME', 'DETAIL'], rows)}\n\n${terminalSafe(verdict)}`;
}
