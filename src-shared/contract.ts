import { z } from 'zod';
import { SessionSchema, SessionStatusSchema } from './session';

/** Largest page a renderer may ask for. */
export const MAX_PAGE_SIZE = 500;
/** Cursors are short signed tokens; anything longer is not one of ours. */
export const MAX_CURSOR_LENGTH = 1024;

export const SessionsQueryRequestSchema = z.strictObject({
  /** Which sessions to list, by derived status. */
  status: SessionStatusSchema.default('active'),
  /** Page size. */
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  /** The `nextCursor` of the previous page, exactly as received. */
  cursor: z.string().min(1).max(MAX_CURSOR_LENGTH).optional(),
});

export const SessionsPageSchema = z.strictObject({
  /** Newest first (by `created_at`, exact to the nanosecond). */
  sessions: z.array(SessionSchema),
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextCursor: z.string().optional(),
});

export const ConnectionKindSchema = z.enum(['demo', 'dynamodb']);

export const AppInfoSchema = z.strictObject({
  version: z.string(),
  connection: z.strictObject({
    name: z.string(),
    kind: ConnectionKindSchema,
    /** Shown in the top bar; `demo` for the embedded store. */
    environment: z.string(),
    table: z.string(),
  }),
  /** The identity revocations are recorded under, decided in main. */
  operator: z.string(),
});

const NoArguments = z.strictObject({}).optional();

/**
 * The IPC contract: every call between renderer and main, declared once. Channel names are
 * `domain:verb`; the preload API exposes each as `warden.<domain>.<verb>(request)`.
 */
export const contract = {
  /** Describe the active connection (name, environment, DEMO) and operator identity. */
  'app:info': { request: NoArguments, response: AppInfoSchema },
  /** One page of sessions, newest first. */
  'sessions:query': { request: SessionsQueryRequestSchema, response: SessionsPageSchema },
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export const CHANNELS = Object.keys(contract) as Channel[];

/** What the caller passes (defaults may be omitted). */
export type RequestOf<C extends Channel> = z.input<Contract[C]['request']>;
/** What the handler receives after validation (defaults filled in). */
export type ParsedRequestOf<C extends Channel> = z.output<Contract[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<Contract[C]['response']>;

export type SessionsQueryRequest = ParsedRequestOf<'sessions:query'>;
export type SessionsPage = ResponseOf<'sessions:query'>;
export type AppInfo = ResponseOf<'app:info'>;

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}
