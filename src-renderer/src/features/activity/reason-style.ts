import { REASON_LABELS as FORM_LABELS, type ActivityReason, type ReasonCode } from '../../../../src-shared/reason-codes';

/** One colour per reason (the legend and tooltips name them: colour is never the only signal). */
export const REASON_COLOURS: Record<ActivityReason, string> = {
  offboarding: '#4e79a7',
  security_incident: '#e15759',
  credential_compromise: '#b07aa1',
  role_change: '#59a14f',
  policy_violation: '#f28e2b',
  contractor_end: '#76b7b2',
  user_request: '#edc948',
  other: '#9c755f',
  unknown: '#8c8c8c',
};

/** The form's labels without their hints ("(leaver)", "(note required)"), and a name for other tools. */
export const REASON_LABELS: Record<ActivityReason, string> = {
  ...(Object.fromEntries(Object.entries(FORM_LABELS).map(([code, label]) => [code, label.replace(/ \(.*\)$/, '')])) as Record<ReasonCode, string>),
  unknown: 'Other tools (no code)',
};
