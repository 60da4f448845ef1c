import { z } from 'zod';

/** Every error a channel can answer with. The renderer switches on `code`, shows `message`. */
export const ERROR_CODES = [
  'FORBIDDEN',
  'VALIDATION',
  'INVALID_CURSOR',
  'UNKNOWN_CHANNEL',
  'STORE_UNAVAILABLE',
  /** The connection is read-only (auditor mode): revocations are refused in main. */
  'READ_ONLY',
  /** A revocation was confirmed for another connection, or another opening of it, than the active one. */
  'CONNECTION_CHANGED',
  'INTERNAL',
] as const;
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const IpcErrorSchema = z.strictObject({
  code: ErrorCodeSchema,
  message: z.string(),
  /** Where in the request a validation error was found, e.g. `limit` or `cursor`. */
  path: z.array(z.string()).optional(),
});
export type IpcError = z.infer<typeof IpcErrorSchema>;

/** The envelope every IPC answer travels in: errors are values, never thrown across the bridge. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };
