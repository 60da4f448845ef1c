/**
 * The names the editor proposes for a team ledger. The same defaults as main's
 * (`defaultLedgerTable`, `DEFAULT_LEDGER_STREAM`), which the renderer may not import;
 * test/unit/team-ledger-defaults.test.ts keeps the two equal.
 */
export const DEFAULT_LEDGER_STREAM = 'session-warden:revocations';

export function defaultLedgerTable(sessionTable: string): string {
  return `${sessionTable}-revocations`;
}
