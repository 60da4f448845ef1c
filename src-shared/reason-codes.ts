/** Why a session was cut off. `other` needs a note. Zod-free so the renderer can list them. */
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

/** Per-session outcomes of a revocation attempt. */
export const OUTCOMES = ['revoked', 'already_revoked', 'expired', 'not_found', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];
