import type { CanarySettings } from '../../../../src-shared/canary';
import { CANARY_DEFAULT_EVERY_MINUTES, CANARY_DEFAULT_THRESHOLD_MS } from '../../../../src-shared/canary-defaults';

/** The enforcement canary's part of the connection form (text fields as typed; main validates). */
export interface CanaryForm {
  canaryEnabled: boolean;
  canaryProbeUrl: string;
  canaryEveryMinutes: string;
  canaryThresholdMs: string;
}

export function canaryFormOf(settings: CanarySettings | undefined): CanaryForm {
  return {
    canaryEnabled: settings?.enabled === true,
    canaryProbeUrl: settings?.probeUrl ?? '',
    canaryEveryMinutes: String(settings?.everyMinutes ?? CANARY_DEFAULT_EVERY_MINUTES),
    canaryThresholdMs: String(settings?.thresholdMs ?? CANARY_DEFAULT_THRESHOLD_MS),
  };
}

/** Whether this kind of store has a canary (main: Sentinel and web sessions). */
export function canaryOffered(kind: 'dynamodb' | 'redis' | 'postgres'): boolean {
  return kind !== 'postgres';
}

/**
 * The `canary` of the save request: never enabled on a read-only connection (main refuses that
 * too); settings switched off are kept off so the probe URL is not lost; nothing when never set.
 */
export function canaryRequestOf(form: CanaryForm & { readOnly: boolean; kind: 'dynamodb' | 'redis' | 'postgres' }): { canary?: CanarySettings } {
  const enabled = form.canaryEnabled && !form.readOnly && canaryOffered(form.kind);
  const probeUrl = form.canaryProbeUrl.trim();
  if (!enabled && !probeUrl) return {};
  const number = (text: string, fallback: number) => (text.trim() === '' ? fallback : Number(text.trim()));
  return {
    canary: {
      enabled,
      ...(probeUrl ? { probeUrl } : {}),
      everyMinutes: number(form.canaryEveryMinutes, CANARY_DEFAULT_EVERY_MINUTES),
      thresholdMs: number(form.canaryThresholdMs, CANARY_DEFAULT_THRESHOLD_MS),
    },
  };
}
