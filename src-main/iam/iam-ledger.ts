import { randomUUID } from 'node:crypto';
import type { Principal } from '../../src-shared/principal';
import { REASON_CODES, type ReasonCode } from '../../src-shared/revocation';
import type { Ledger } from '../ledger/ledger';
import type { LedgerRecord } from '../ledger/ledger-entry';
import type { DenyPolicy } from './deny-policy';

/**
 * How a write to IAM (a deny policy put or removed) is recorded, for the command line and the app
 * alike: one run of the ledger, an `attempt` entry per covered session before the call and its
 * outcome after. One copy of this, so that `iam deny` and the app's deny read the same in Audit.
 */
export interface IamRecorder {
  operator: string;
  principal: Principal;
  /** The connection's name in the ledger. */
  connection: string;
  ledger: Pick<Ledger, 'append'>;
}

export interface CoveredSession {
  sessionId: string;
  user: string;
  reasonCode: ReasonCode;
  note: string;
}

/**
 * Runs `work` (the IAM call) between the `attempt` entries and the outcomes: `already_revoked`
 * (the session stays revoked and the write landed) or `failed` with IAM's words. Returns IAM's
 * refusal, if any, rather than throwing it: the ledger holds it either way. No ledger when
 * `recorder` is null. Returns the run id too.
 */
export async function ledgeredIamCall(
  recorder: IamRecorder | null,
  covered: readonly CoveredSession[],
  now: () => number,
  work: () => Promise<void>,
): Promise<{ run: string; error: Error | null }> {
  const run = randomUUID();
  const record = (c: CoveredSession, r: IamRecorder): LedgerRecord => ({
    kind: 'attempt',
    time: new Date(now()).toISOString(),
    operator: r.operator,
    principal: r.principal,
    connection: r.connection,
    run,
    ...c,
  });
  if (recorder) await recorder.ledger.append(covered.map((c) => record(c, recorder)));
  let error: Error | null = null;
  try {
    await work();
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  }
  if (recorder) {
    await recorder.ledger.append(
      covered.map((c) => ({ ...record(c, recorder), kind: 'outcome' as const, outcome: error ? ('failed' as const) : ('already_revoked' as const), ...(error ? { error: error.message } : {}) })),
    );
  }
  return { run, error };
}

/** The ledger note of a deny put: the policy, its role, form, hash and removal time (Audit shows it). */
export function denyNote(role: string, policy: Pick<DenyPolicy, 'name' | 'form' | 'sha256' | 'removableAfter' | 'widenedToUsers'>): string {
  const widened = policy.widenedToUsers.length > 0 ? `; widened to every Sentinel credential of ${policy.widenedToUsers.join(', ')}` : '';
  return `iam deny: PutRolePolicy ${policy.name} on role ${role} (${policy.form}, sha256 ${policy.sha256}, removable after ${policy.removableAfter}${widened})`;
}

/** The ledger note of a removal; `forced` when before every covered credential expired. */
export function removeNote(role: string, name: string, forced: boolean): string {
  return `iam remove: DeleteRolePolicy ${name} on role ${role}${forced ? ' (forced before every covered credential expired)' : ''}`;
}

/** The reason code a revoked session was revoked with (`code` or `code: note`, as we write it); `other` for free text. */
export function reasonCodeOf(reason: string | null): ReasonCode {
  const code = reason?.split(':')[0]?.trim();
  return (REASON_CODES as readonly string[]).includes(code ?? '') ? (code as ReasonCode) : 'other';
}
