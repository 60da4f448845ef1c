import type { Session } from '../../src-shared/session';
import { epochMillis } from '../stores/exact-time';

/**
 * How long after its expiry a revocation still treats a session as live, in every store. Clocks
 * disagree by some amount however well we correct ours, and the two mistakes are not equal:
 * writing `revoked` on a session that just expired costs nothing, skipping a live one leaves it
 * usable. Read paths do not use it: they show the status as it is.
 */
export const REVOKE_GRACE_MS = 120_000;

/**
 * Whether a revocation takes this session as live at `nowMs`: active, or stored active and past
 * its expiry by less than the grace (the write itself then decides, by the store's own record).
 */
export function revocableAt(session: Pick<Session, 'status' | 'storedStatus' | 'expiresAt'>, nowMs: number): boolean {
  if (session.status === 'active') return true;
  const expires = epochMillis(session.expiresAt);
  return session.status === 'expired' && session.storedStatus === 'active' && expires !== null && expires > nowMs - REVOKE_GRACE_MS;
}
