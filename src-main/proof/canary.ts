import type { RevokeResult } from '../../src-shared/revocation';
import type { Session } from '../../src-shared/session';
import type { CanaryGround } from './canary-ground';

/*
 * The enforcement canary: a test session written into the store, revoked through the normal path
 * (ledgered), watched until the store says revoked and the blacklist holds it, optionally presented
 * to a protected service before and after (accepted, then refused), and removed. A revocation path
 * that silently stopped working shows up here before an incident needs it.
 */

export const CANARY_STEPS = ['plant', 'probe-before', 'revoke', 'store', 'blacklist', 'probe-after', 'remove'] as const;
export type CanaryStepName = (typeof CANARY_STEPS)[number];

export interface CanaryStep {
  step: CanaryStepName;
  /** `skipped`: not applicable on this connection (no blacklist, no probe URL). */
  result: 'ok' | 'failed' | 'skipped';
  /** For revoke, store and blacklist: milliseconds from the start of the revocation; otherwise how long the step took. */
  ms: number | null;
  detail: string;
}

export interface CanaryReport {
  /** When the run started, ISO UTC. */
  at: string;
  connection: string;
  /** The canary session's id (null when it could not be written). */
  sessionId: string | null;
  steps: CanaryStep[];
  /** Every step that applies succeeded: the revocation took effect where it was checked. */
  proven: boolean;
  /** Steps slower than the threshold (a step can succeed and still be too slow). */
  slow: CanaryStepName[];
  thresholdMs: number;
}

export interface CanaryOptions {
  connection: string;
  ground: CanaryGround;
  store: { get(id: string): Promise<Session | null> };
  /** Revokes through the normal, ledgered path. */
  revoke(id: string): Promise<RevokeResult>;
  /** Whether the blacklist holds `revoked:<id>`; null when the connection has no blacklist. */
  blacklisted: ((id: string) => Promise<boolean>) | null;
  /** A protected service's URL: the canary must be accepted before and refused (401/403) after. */
  probeUrl?: string | undefined;
  /** Propagation or response slower than this is reported as slow. */
  thresholdMs: number;
  /** How long to wait for the store and the blacklist to say revoked before giving up. */
  waitMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const POLL_MS = 25;
const PROBE_TIMEOUT_MS = 5_000;

export async function runCanary(options: CanaryOptions): Promise<CanaryReport> {
  const now = options.now ?? Date.now;
  const waitMs = options.waitMs ?? 10_000;
  const steps: CanaryStep[] = [];
  const at = new Date(now()).toISOString();
  const report = (sessionId: string | null): CanaryReport => {
    const proven = steps.every((s) => s.result !== 'failed') && steps.some((s) => s.step === 'store' && s.result === 'ok');
    const slow = steps.filter((s) => s.result === 'ok' && s.ms !== null && s.ms > options.thresholdMs).map((s) => s.step);
    return { at, connection: options.connection, sessionId, steps, proven, slow, thresholdMs: options.thresholdMs };
  };

  let started = now();
  let canary;
  try {
    canary = await options.ground.plant(started);
    steps.push({ step: 'plant', result: 'ok', ms: now() - started, detail: `canary session ${canary.id} of ${canary.user} written` });
  } catch (error) {
    steps.push({ step: 'plant', result: 'failed', ms: null, detail: `the canary session could not be written: ${message(error)}` });
    return report(null);
  }

  try {
    if (options.probeUrl !== undefined) steps.push(await probe('probe-before', options.probeUrl, canary.credential, options.fetch ?? fetch, now));
    else steps.push({ step: 'probe-before', result: 'skipped', ms: null, detail: 'no probe URL: enforcement by a service was not checked' });

    started = now();
    let revoked = false;
    try {
      const result = await options.revoke(canary.id);
      revoked = result.outcome === 'revoked';
      steps.push({ step: 'revoke', result: revoked ? 'ok' : 'failed', ms: now() - started, detail: revoked ? 'revoked through the normal path, ledgered' : `outcome ${result.outcome}${result.error ? `: ${result.error}` : ''}` });
    } catch (error) {
      steps.push({ step: 'revoke', result: 'failed', ms: now() - started, detail: `the revocation failed: ${message(error)}` });
    }

    if (revoked) {
      const inStore = await waitFor(async () => (await options.store.get(canary.id))?.status === 'revoked', started, waitMs, now);
      steps.push(
        inStore.ok
          ? { step: 'store', result: 'ok', ms: inStore.ms, detail: 'the store says revoked' }
          : { step: 'store', result: 'failed', ms: null, detail: inStore.error ?? `the store still does not say revoked after ${waitMs} ms` },
      );
      const check = options.blacklisted;
      if (check === null) steps.push({ step: 'blacklist', result: 'skipped', ms: null, detail: 'no blacklist on this connection' });
      else {
        const listed = await waitFor(() => check(canary.id), started, waitMs, now);
        steps.push(
          listed.ok
            ? { step: 'blacklist', result: 'ok', ms: listed.ms, detail: `revoked:${canary.id} exists` }
            : { step: 'blacklist', result: 'failed', ms: null, detail: listed.error ?? `revoked:${canary.id} still missing after ${waitMs} ms` },
        );
      }
      if (options.probeUrl !== undefined) steps.push(await probe('probe-after', options.probeUrl, canary.credential, options.fetch ?? fetch, now));
      else steps.push({ step: 'probe-after', result: 'skipped', ms: null, detail: 'no probe URL' });
    }
  } finally {
    const removing = now();
    try {
      await options.ground.remove(canary.id);
      steps.push({ step: 'remove', result: 'ok', ms: now() - removing, detail: 'the canary session and its blacklist entry were removed' });
    } catch (error) {
      steps.push({ step: 'remove', result: 'failed', ms: null, detail: `the canary could not be removed (it expires by itself within minutes): ${message(error)}` });
    }
  }
  return report(canary.id);
}

/** Polls `check` until it says yes; the time is counted from `since`. */
async function waitFor(check: () => Promise<boolean>, since: number, waitMs: number, now: () => number): Promise<{ ok: boolean; ms: number; error?: string }> {
  let lastError: string | undefined;
  for (;;) {
    try {
      if (await check()) return { ok: true, ms: now() - since };
      lastError = undefined;
    } catch (error) {
      lastError = `could not be checked: ${message(error)}`;
    }
    if (now() - since > waitMs) return { ok: false, ms: now() - since, ...(lastError ? { error: lastError } : {}) };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * One request carrying the canary's session as a protected service expects it (a bearer token,
 * a `session` cookie). Before the revocation it must be accepted (anything but 401/403 and
 * server errors); after, refused with 401 or 403.
 */
async function probe(step: 'probe-before' | 'probe-after', url: string, credential: string, fetchImpl: typeof fetch, now: () => number): Promise<CanaryStep> {
  const started = now();
  let status: number;
  try {
    const response = await fetchImpl(url, {
      method: 'GET',
      redirect: 'manual',
      headers: { authorization: `Bearer ${credential}`, cookie: `session=${credential}`, 'x-session-warden-canary': '1' },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    status = response.status;
    await response.body?.cancel().catch(() => undefined);
  } catch (error) {
    return { step, result: 'failed', ms: null, detail: `${url} did not answer: ${message(error)}` };
  }
  const ms = now() - started;
  const refused = status === 401 || status === 403;
  if (step === 'probe-before') {
    if (refused) return { step, result: 'failed', ms, detail: `${url} refused the live canary already (HTTP ${status}): its refusal later would prove nothing; does the service read this store?` };
    if (status >= 500) return { step, result: 'failed', ms, detail: `${url} answered HTTP ${status} to the live canary: the service is failing` };
    return { step, result: 'ok', ms, detail: `${url} accepted the live canary (HTTP ${status})` };
  }
  return refused
    ? { step, result: 'ok', ms, detail: `${url} refused the revoked canary (HTTP ${status})` }
    : { step, result: 'failed', ms, detail: `${url} still accepts the revoked canary (HTTP ${status}): enforcement is NOT working there` };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
