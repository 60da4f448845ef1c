import { useEffect, useRef, type RefObject } from 'react';
import { MAX_EVIDENCE_RUNS, REASON_CODES, REASON_LABELS, type ReasonCode } from '../../../../src-shared/reason-codes';
import type { useRevoke } from '../../api/use-revoke';

/** The reason code picker; with `required`, it starts on an empty "Choose…". */
export function ReasonSelect({ id, value, onChange, required = false, invalid = false, label }: {
  id: string;
  value: ReasonCode | '';
  onChange: (code: ReasonCode) => void;
  required?: boolean;
  invalid?: boolean;
  label: string;
}) {
  return (
    <label className="form-field" htmlFor={id}>
      <span>{label}</span>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as ReasonCode)} aria-invalid={invalid} required={required}>
        {required ? <option value="">Choose…</option> : null}
        {REASON_CODES.map((code) => (
          <option key={code} value={code}>
            {REASON_LABELS[code]}
          </option>
        ))}
      </select>
    </label>
  );
}

/** What stops the form from being sent, said once the operator tried. */
export function FormProblems({ problems, shown }: { problems: string[]; shown: boolean }) {
  if (!shown || problems.length === 0) return null;
  return (
    <ul className="form-problems" role="alert">
      {problems.map((p) => (
        <li key={p}>{p}</li>
      ))}
    </ul>
  );
}

/** Progress of a running revocation (events from main); `stopping` once its cancel was taken. */
export function RevokeProgress({ progress, expected, stopping = false }: { progress: { done: number; total: number } | null; expected: number; stopping?: boolean }) {
  return (
    <div role="status" className="progress" data-testid="revoke-progress">
      <progress max={progress?.total || expected || 1} value={progress?.done ?? 0} />
      <span>
        {stopping ? 'Cancelling: sessions under way finish and are recorded… ' : 'Revoking… '}
        {progress ? `${progress.done} of ${progress.total}` : ''}
      </span>
    </div>
  );
}

/**
 * Tries the failed sessions of a finished revocation again, and those whose blacklist write
 * failed, with the reason, ticket and connection already confirmed; their new results replace
 * the failed ones above.
 */
export function RetryFailed({ revoke, headingRef }: { revoke: ReturnType<typeof useRevoke>; headingRef: RefObject<HTMLHeadingElement | null> }) {
  const failed = revoke.failedCount;
  // When a retry ends, the button it was started from may be gone: keyboard and screen-reader
  // users land on the result's heading, which now says how it went.
  const running = revoke.isPending;
  const wasRunning = useRef(false);
  useEffect(() => {
    if (wasRunning.current && !running) headingRef.current?.focus();
    wasRunning.current = running;
  }, [running, headingRef]);
  if (failed === 0 && !revoke.isError) return null;
  return (
    <div className="retry-failed">
      {failed > 0 && revoke.canRetry ? (
        <button type="button" className="secondary-button" onClick={revoke.retryFailed} disabled={revoke.isPending}>
          {retryLabel(failed, revoke.blacklistFailedCount)}
        </button>
      ) : null}
      {failed > 0 && !revoke.canRetry && !revoke.isPending ? (
        <p className="muted small">Tried {MAX_EVIDENCE_RUNS} times: revoke the rest from the Sessions screen or the command line, and look at why they fail.</p>
      ) : null}
      {revoke.isPending ? <RevokeProgress progress={revoke.progress} expected={failed} /> : null}
      {revoke.isError ? (
        <p className="error-text" role="alert">
          The retry did not run: {revoke.error.message}
        </p>
      ) : null}
    </div>
  );
}

/** "Retry 2 failed sessions", "Retry 3 sessions not blacklisted", or both counted. */
function retryLabel(total: number, notBlacklisted: number): string {
  const sessions = (n: number) => `${n} session${n === 1 ? '' : 's'}`;
  if (notBlacklisted === 0) return `Retry ${total} failed session${total === 1 ? '' : 's'}`;
  if (notBlacklisted === total) return `Retry ${sessions(total)} not blacklisted`;
  return `Retry ${sessions(total)} (${total - notBlacklisted} failed, ${notBlacklisted} not blacklisted)`;
}
