/**
 * Sentinel's default lifetime of the AWS credentials it hands out: revoking stops the next fetch,
 * not credentials already issued, which stay valid up to this long after the last fetch.
 */
export const SENTINEL_CREDENTIAL_LIFETIME_MS = 15 * 60_000;
