import type { LedgerComposition } from './audit';

// Zod-free (types only from ./audit), so the renderer can use it without bundling the schemas.

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * A composition in words, in the units of the audit table (revocations), for the verification
 * banner and an export's manifest: "8 revocation attempts and their outcomes", or, when some rows
 * stand for one entry only, "9 revocations: 8 attempts with their outcomes (16 entries) and 1
 * interrupted attempt with no outcome recorded (1 entry)".
 */
export function explainComposition(c: LedgerComposition): string {
  const alarms = c.alarms ?? 0;
  const revocations = explainRevocations(c);
  if (alarms === 0) return revocations;
  return `${revocations}, and ${plural(alarms, 'alarm', 'alarms')} of activity after revocation (${plural(alarms, 'entry', 'entries')})`;
}

function explainRevocations(c: LedgerComposition): string {
  if (c.revocations === 0) return 'no revocations';
  if (c.withOutcome === c.revocations) return plural(c.revocations, 'revocation attempt and its outcome', 'revocation attempts and their outcomes');
  const parts = [
    c.withOutcome > 0 ? `${plural(c.withOutcome, 'attempt with its outcome', 'attempts with their outcomes')} (${plural(2 * c.withOutcome, 'entry', 'entries')})` : null,
    c.interrupted > 0 ? `${plural(c.interrupted, 'interrupted attempt', 'interrupted attempts')} with no outcome recorded (${plural(c.interrupted, 'entry', 'entries')})` : null,
    c.outcomeOnly > 0 ? `${plural(c.outcomeOnly, 'user', 'users')} whose sessions could not be listed (${plural(c.outcomeOnly, 'outcome entry', 'outcome entries')})` : null,
    c.perName > 0 ? `${plural(c.perName, 'requested name', 'requested names')} with nothing revoked: no live sessions, or unknown (${plural(c.perName, 'entry', 'entries')})` : null,
  ].filter((p): p is string => p !== null);
  const listed = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1) as string}` : (parts[0] as string);
  return `${plural(c.revocations, 'revocation', 'revocations')}: ${listed}`;
}
