/*
 * The team ledger's default names, for main and the Connections editor. No schema here: the
 * renderer imports this at run time, and a schema library compiled under its CSP is refused.
 */

/** The stream a web-session Redis keeps its team ledger in, unless the connection names another. */
export const DEFAULT_LEDGER_STREAM = 'session-warden:revocations';

/** The team ledger table of a Sentinel session table, unless the connection names another. */
export function defaultLedgerTable(sessionTable: string): string {
  return `${sessionTable}-revocations`;
}
