import { REASON_CODES } from '../../../../src-shared/reason-codes';
import type { Session } from '../../../../src-shared/session';
import type { SessionStatus } from '../../../../src-shared/session-status';
import { exactLabel, toMillis } from '../../ui/format-time';
import type { queryOf } from './filters-store';

type StoreQuery = ReturnType<typeof queryOf>;

/** The status the table filters by: `active` past its expiry is `expired` (as main derives it). */
function shownStatus(session: Session, nowMs: number): SessionStatus {
  if (session.status === 'active' && session.expiresAt !== null && toMillis(session.expiresAt) <= nowMs) return 'expired';
  return session.status;
}

function words(statuses: readonly SessionStatus[]): string {
  return statuses.length === 1 ? (statuses[0] as string) : `${statuses.slice(0, -1).join(', ')} and ${statuses.at(-1) as string}`;
}

const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Why the session shown in the detail panel is not among the rows of these filters, in words
 * (empty when it matches). Its status is judged from the session as last read, so a session
 * revoked or expired meanwhile is said at once. The other filters are judged only once the
 * session is no longer among the loaded rows (`inTable` false): the store is the authority on
 * what matches (its own user matching, time bounds taken when the filter was set).
 */
export function whyNotMatching(session: Session, query: StoreQuery, nowMs: number, inTable: boolean): string[] {
  const reasons: string[] = [];
  const status = shownStatus(session, nowMs);
  const revokedWindow = query.revokedSince !== undefined || query.revokedUntil !== undefined;
  if (query.status !== 'any' && !query.status.includes(status)) {
    reasons.push(`It is ${status}; the filters show ${words(query.status)} sessions.`);
  } else if ((revokedWindow || query.reasonCode !== undefined) && status !== 'revoked') {
    reasons.push(`It is ${status}; the filters show revoked sessions only.`);
  }
  if (inTable) return reasons;

  if (query.user !== undefined && !sameText(session.user, query.user) && !(session.email !== undefined && sameText(session.email, query.user))) {
    reasons.push(`Its user is ${session.user || '(none)'}; the filters show user ${query.user}.`);
  }
  if (query.profile !== undefined && !sameText(session.profile ?? '', query.profile)) {
    reasons.push(`Its profile is ${session.profile || '(none)'}; the filters show profile ${query.profile}.`);
  }
  if (query.serverInstance !== undefined && session.serverInstanceId !== query.serverInstance) {
    reasons.push(`Its server instance is ${session.serverInstanceId || '(none)'}; the filters show ${query.serverInstance}.`);
  }
  const created = session.createdAt === null ? null : toMillis(session.createdAt);
  if (created !== null && ((query.since !== undefined && created < Date.parse(query.since)) || (query.until !== undefined && created > Date.parse(query.until)))) {
    reasons.push(`It was created ${exactLabel(session.createdAt as string)}, outside the filters' time range.`);
  }
  // As src-shared's revocationTime (not imported: that module would bring zod into the renderer).
  const revokedAt = status === 'revoked' ? (session.revokedAt ?? session.updatedAt) : null;
  if (revokedWindow && revokedAt !== null) {
    const at = toMillis(revokedAt);
    if ((query.revokedSince !== undefined && at < Date.parse(query.revokedSince)) || (query.revokedUntil !== undefined && at > Date.parse(query.revokedUntil))) {
      reasons.push(`It was revoked ${exactLabel(revokedAt)}, outside the filters' revocation window.`);
    }
  }
  if (query.reasonCode !== undefined && status === 'revoked' && reasonOf(session.revokedReason) !== query.reasonCode) {
    reasons.push(`It was revoked for ${session.revokedReason ?? 'no stated reason'}; the filters show the reason ${query.reasonCode}.`);
  }
  return reasons;
}

/** The reason code a revocation names (`code` or `code: note`); free text from other tools is `unknown` (as main reads it). */
function reasonOf(text: string | null): string {
  const code = (text ?? '').split(':')[0]?.trim() ?? '';
  return (REASON_CODES as readonly string[]).includes(code) ? code : 'unknown';
}
