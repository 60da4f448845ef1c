/**
 * The enforcement canary's defaults, without zod: the renderer's editor and panel say them, main
 * applies them (src-shared/canary.ts validates the settings).
 */
export const CANARY_DEFAULT_EVERY_MINUTES = 15;
/** Propagation or a probe slower than this is reported as slow (the CLI's default too). */
export const CANARY_DEFAULT_THRESHOLD_MS = 2_000;
/** Runs `canary:history` answers at most. */
export const CANARY_HISTORY_MAX = 500;

/** The user every canary session is written for: unmistakably a test, never a person. */
export const CANARY_USER = 'session-warden-canary';
