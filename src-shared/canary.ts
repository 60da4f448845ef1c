import { z } from 'zod';
import { CANARY_HISTORY_MAX } from './canary-defaults';

/** A probe URL: http(s), never credentials in it (the canary presents its own session). */
export const CanaryProbeUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((url) => {
    try {
      const parsed = new URL(url);
      return parsed.username === '' && parsed.password === '';
    } catch {
      return false;
    }
  }, 'an http:// or https:// URL without credentials in it: the canary presents its own session');

/**
 * A saved connection's enforcement canary (opt-in; never on a read-only connection): while the
 * app runs, every `everyMinutes` a canary session is written, revoked through the normal path
 * (ledgered as a canary), checked in the store, the blacklist and at `probeUrl`, and removed.
 */
export const CanarySettingsSchema = z.strictObject({
  enabled: z.boolean(),
  /** A protected service: it must accept the live canary and refuse it (401/403) once revoked. */
  probeUrl: CanaryProbeUrlSchema.optional(),
  /** Minutes between scheduled runs (default 15). */
  everyMinutes: z.number().int().min(1).max(24 * 60).optional(),
  /** A step slower than this is an alarm (default 2000 ms). */
  thresholdMs: z.number().int().min(1).max(600_000).optional(),
});
export type CanarySettings = z.infer<typeof CanarySettingsSchema>;

/** The connection rule: a read-only connection never writes, so it never runs the canary. */
export function canaryAllowed(connection: { readOnly: boolean; canary?: CanarySettings | undefined }): boolean {
  return !(connection.readOnly && connection.canary?.enabled === true);
}
export const CANARY_READ_ONLY_MESSAGE = 'a read-only connection never writes: the enforcement canary cannot run on it';

/** The steps of a run, in order (src-main/proof/canary.ts). */
export const CANARY_STEP_NAMES = ['plant', 'probe-before', 'revoke', 'store', 'blacklist', 'probe-after', 'remove'] as const;

const CanaryStepSchema = z.object({
  step: z.enum(CANARY_STEP_NAMES),
  result: z.enum(['ok', 'failed', 'skipped']),
  ms: z.number().nullable(),
  detail: z.string().max(4000),
});

/** One run, as `session-warden canary run` and the app keep it in `canary-history.jsonl`. */
export const CanaryReportSchema = z.object({
  at: z.iso.datetime({ offset: true }),
  connection: z.string(),
  sessionId: z.string().nullable(),
  steps: z.array(CanaryStepSchema).max(20),
  proven: z.boolean(),
  slow: z.array(z.enum(CANARY_STEP_NAMES)),
  thresholdMs: z.number(),
});
export type CanaryReportView = z.infer<typeof CanaryReportSchema>;

export const CanaryHistoryRequestSchema = z.strictObject({ limit: z.number().int().min(1).max(CANARY_HISTORY_MAX).optional() }).optional();

/** Whether the active connection runs the canary, and why not. */
export const CanaryStatusSchema = z.strictObject({
  /** enabled: runs on demand and on its schedule; the others say why it does not run here. */
  state: z.enum(['enabled', 'not-enabled', 'read-only', 'unsupported']),
  everyMinutes: z.number().int().nullable(),
  thresholdMs: z.number().int(),
  probeUrl: z.string().nullable(),
  /** A run is in flight (scheduled or asked for). */
  running: z.boolean(),
  /** When the next scheduled run is due (ISO UTC), while the schedule runs. */
  nextAt: z.string().nullable(),
});
export type CanaryStatus = z.infer<typeof CanaryStatusSchema>;

export const CanaryHistorySchema = z.strictObject({
  status: CanaryStatusSchema,
  /** This connection's runs, newest first. */
  runs: z.array(CanaryReportSchema),
});
export type CanaryHistory = z.infer<typeof CanaryHistorySchema>;
