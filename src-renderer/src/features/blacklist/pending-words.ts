import type { BlacklistPending, BlacklistTargetStatus } from '../../../../src-shared/blacklist';
import { ageLabel, exactMillisLabel } from '../../ui/format-time';

/** "3 blacklist writes pending (oldest 12 min)": what the top bar and the Audit screen say. */
export function pendingHeadline(pending: Pick<BlacklistPending, 'total' | 'oldestQueuedAtMs'>, nowMs: number): string {
  const writes = `${pending.total} blacklist write${pending.total === 1 ? '' : 's'} pending`;
  return pending.oldestQueuedAtMs === null ? writes : `${writes} (oldest ${ageLabel(pending.oldestQueuedAtMs, nowMs)})`;
}

/** The distinct reasons the last delivery attempts gave, each once. */
export function lastErrors(pending: BlacklistPending): string[] {
  return [...new Set(pending.targets.flatMap((t) => (t.error ? [t.error] : [])))];
}

/** The hover text: exact times, and why the last attempt stopped. */
export function pendingDetails(pending: BlacklistPending): string {
  const lines = [pending.oldestQueuedAtMs === null ? null : `Oldest queued ${exactMillisLabel(pending.oldestQueuedAtMs)}.`];
  for (const error of lastErrors(pending)) lines.push(`Last attempt: ${error}`);
  lines.push('Retried in the background every 15 s; details on the Audit screen.');
  return lines.filter((l): l is string => l !== null).join('\n');
}

/** Which connection delivers a target's writes, in words. */
export function deliveredBy(target: BlacklistTargetStatus): string {
  return target.connection ?? 'no saved connection';
}
