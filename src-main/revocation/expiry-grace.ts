/**
 * How long after its expiry a revocation still treats a session as live, in every store. Clocks
 * disagree by some amount however well we correct ours, and the two mistakes are not equal:
 * writing `revoked` on a session that just expired costs nothing, skipping a live one leaves it
 * usable. Read paths do not use it: they show the status as it is.
 */
export const REVOKE_GRACE_MS = 120_000;
