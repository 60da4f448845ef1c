/** Zod-free so the renderer can use it: what an environment label implies. */

/** `prod`, `production`, `PROD-EU`: the red production band, and stricter defaults. */
export function isProductionEnvironment(environment: string): boolean {
  return /^prod/i.test(environment);
}

/**
 * Whether an offboarding run on a connection must carry a ticket: as the connection says, and
 * by default in production only (elsewhere a missing ticket is warned about, not refused).
 */
export function ticketRequired(connection: { environment: string; requireTicket?: boolean | undefined }): boolean {
  return connection.requireTicket ?? isProductionEnvironment(connection.environment);
}
