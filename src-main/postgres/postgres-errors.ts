import { WardenError } from '../errors';

/** SQLSTATE classes and codes an operator can act on (PostgreSQL, Appendix A). */
const SAYS: Record<string, string> = {
  '28P01': 'PostgreSQL refused the login (wrong password)',
  '28000': 'PostgreSQL refused the login (no pg_hba.conf entry or role not allowed)',
  '3D000': 'the database does not exist',
  '42501': 'PostgreSQL refused the statement (permission denied): grant this role what the connection test lists',
  '53300': 'PostgreSQL has no connection slot left (too many connections)',
  '57P01': 'the server was shut down (or the connection was terminated by an administrator)',
  '57P03': 'the server is starting up or shutting down',
  '40001': 'the transaction conflicted with another one and was rolled back: run again',
  '40P01': 'the transaction was chosen as a deadlock victim and rolled back: run again',
};

/** Node and TLS error codes of a connection that was never made or was refused for good. */
const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there (is the server running, and is the port right?)',
  ENOTFOUND: 'the host name does not resolve',
  EHOSTUNREACH: 'the host cannot be reached',
  ETIMEDOUT: 'the host did not answer',
  ECONNRESET: 'the connection was reset',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: the server certificate is not signed by a trusted CA (give its CA certificate, or use sslmode=require)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: the server certificate is self-signed (give it as the CA certificate, or use sslmode=require)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: the server certificate is not signed by the given CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: the server certificate is not signed by the given CA',
  CERT_HAS_EXPIRED: 'TLS: the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: the server certificate is not for this host name (sslmode=verify-full checks it; verify-ca does not)',
};

/**
 * A pg failure as a WardenError an operator can act on: STORE_UNAVAILABLE (READ_ONLY for a write
 * refused by a read-only transaction), with what PostgreSQL said. `where` is the redacted target
 * (host:port/database); `secrets` are scrubbed from every message, whatever a driver put in it.
 */
export function postgresError(error: unknown, where: string, secrets: readonly string[] = []): WardenError {
  if (error instanceof WardenError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const message = scrub(error instanceof Error ? error.message : String(error), secrets);
  const at = where ? ` (${where})` : '';
  if (code === '25006') return new WardenError('READ_ONLY', `PostgreSQL${at} refused the write: this connection opens read-only transactions`);
  if (code === '57014') {
    return new WardenError('STORE_UNAVAILABLE', `PostgreSQL${at} cancelled the statement: it ran past the connection's statement timeout (nothing of it was written). ${message}`);
  }
  if (code === '42P01' || code === '42703' || code === '42883' || code === '42804') {
    return new WardenError('STORE_UNAVAILABLE', `PostgreSQL${at}: the tables do not have the web app's layout (${message}). Run the connection test to see what differs.`);
  }
  const says = SAYS[code];
  if (says) return new WardenError('STORE_UNAVAILABLE', `PostgreSQL${at}: ${says}: ${message}`);
  if (code.startsWith('08') || /Connection terminated|connection (was )?(closed|lost|ended)|terminating connection|Query read timeout/i.test(message)) {
    return new WardenError('STORE_UNAVAILABLE', `The connection to PostgreSQL${at} was lost (${message}). What was not committed was rolled back; run again.`);
  }
  const connection = CONNECTION_CODES[code];
  if (connection) return new WardenError('STORE_UNAVAILABLE', `Could not connect to PostgreSQL${at}: ${connection} (${message})`);
  if (/timeout/i.test(message)) return new WardenError('STORE_UNAVAILABLE', `PostgreSQL${at} did not answer in time (${message}). Check the network and the server, then retry.`);
  if (/does not support SSL/i.test(message)) return new WardenError('STORE_UNAVAILABLE', `PostgreSQL${at} does not offer TLS: use sslmode=disable only on a trusted network`);
  return new WardenError('STORE_UNAVAILABLE', `PostgreSQL${at} failed${code ? ` (${code})` : ''}: ${message}`);
}

/** Text with every secret (non-empty) replaced by `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}
