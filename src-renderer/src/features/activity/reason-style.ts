import { REASON_LABELS as FORM_LABELS, type ActivityReason, type ReasonCode } from '../../../../src-shared/reason-codes';

/**
 * One colour per reason (the legend and tooltips name them: colour is never the only signal), each
 * at least 3:1 against the light and the dark background (WCAG's contrast for graphics).
 */
export const REASON_COLOURS: Record<ActivityReason, string> = {
  offboarding: '#4e79a7',
  security_incident: '#d1393b',
  credential_compromise: '#9a5f8c',
  role_change: '#4a8c41',
  policy_violation: '#c96a12',
  contractor_end: '#3d8c86',
  user_request: '#a8860a',
  other: '#9c755f',
  unknown: '#767676',
};

/** The form's labels without their hints ("(leaver)", "(note required)"), and a name for other tools. */
export const REASON_LABELS: Record<ActivityReason, string> = {
  ...(Object.fromEntries(Object.entries(FORM_LABELS).map(([code, label]) => [code, label.replace(/ \(.*\)$/, '')])) as Record<ReasonCode, string>),
  unknown: 'Other tools (no code)',
};
