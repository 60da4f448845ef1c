/** Why a session was cut off (and other lists the renderer shows). `other` needs a note. Zod-free so the renderer can list them. */
export const REASON_CODES = [
  'offboarding',
  'security_incident',
  'credential_compromise',
  'role_change',
  'policy_violation',
  'contractor_end',
  'user_request',
  'other',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export const REASON_LABELS: Record<ReasonCode, string> = {
  offboarding: 'Offboarding (leaver)',
  security_incident: 'Security incident',
  credential_compromise: 'Credential compromise',
  role_change: 'Role change',
  policy_violation: 'Policy violation',
  contractor_end: 'Contractor end',
  user_request: 'User request',
  other: 'Other (note required)',
};

/**
 * Outcomes a revocation records: per session (`revoked` … `failed`), and per requested user with
 * nothing revoked (`no_active_sessions`: a user the store knows; `unknown_user`: a name it does not
 * hold), so that the record covers every name an operator asked for.
 */
export const SESSION_OUTCOMES = ['revoked', 'already_revoked', 'expired', 'not_found', 'failed'] as const;
export const OUTCOMES = [...SESSION_OUTCOMES, 'no_active_sessions', 'unknown_user'] as const;
/**
 * What a run reports per session: the recorded outcomes, and `not_attempted` for a session a
 * cancelled run never reached. That one is never recorded (nothing was written, and the ledger's
 * schema refuses it): it is only said, so the operator knows what is left to revoke.
 */
export const RESULT_OUTCOMES = [...SESSION_OUTCOMES, 'not_attempted'] as const;
export type ResultOutcome = (typeof RESULT_OUTCOMES)[number];
/** Every outcome an operator may be shown: those recorded (OUTCOMES), and `not_attempted`, only ever said. */
export type Outcome = (typeof OUTCOMES)[number] | ResultOutcome;

/** How outcomes read to an operator, everywhere they are shown. */
export const OUTCOME_LABELS: Record<Outcome, string> = {
  revoked: 'revoked',
  already_revoked: 'already revoked',
  expired: 'expired',
  not_found: 'not found',
  failed: 'failed',
  no_active_sessions: 'no live sessions',
  unknown_user: 'unknown: no such user',
  not_attempted: 'not attempted (cancelled)',
};

/** Reason codes, plus `unknown` for revocations by other tools whose reason names none. */
export const ACTIVITY_REASONS = [...REASON_CODES, 'unknown'] as const;
export type ActivityReason = (typeof ACTIVITY_REASONS)[number];

/** Export file formats. */
export const EXPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Environment colours a connection can carry (production is always the red band as well). */
export const ENVIRONMENT_COLOURS = ['red', 'amber', 'green', 'blue', 'grey'] as const;
export type EnvironmentColour = (typeof ENVIRONMENT_COLOURS)[number];

/** Most revoke runs one evidence file covers: a revocation and its retries. */
export const MAX_EVIDENCE_RUNS = 20;
