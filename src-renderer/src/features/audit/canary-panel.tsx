import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CanaryReportView, CanaryStatus } from '../../../../src-shared/canary';
import { useAppInfo } from '../../api/use-app-info';
import { wardenClient } from '../../api/warden-client';
import { exactMillisLabel } from '../../ui/format-time';
import './canary-panel.css';

/** Runs the panel shows (the table and the chart). */
const SHOWN = 50;
/** Runs the table lists before "Show older runs": the ledger stays in sight below. */
const RECENT = 8;
const STORE_COLOUR = '#4e79a7';
const BLACKLIST_COLOUR = '#c96a12';

type Verdict = 'proven' | 'not-proven' | 'slow';

/**
 * The enforcement canary on the Audit screen: whether it runs on this connection (and why not),
 * "Run now", the last run's verdict in words (never colour alone), the history from
 * `canary-history.jsonl` (the command line's runs on this connection too) and a chart of how long
 * the store and the blacklist took to say revoked. Hidden where the store has no canary and none ran.
 */
export function CanaryPanel() {
  const connection = useAppInfo().data?.connection;
  if (!connection) return null;
  return <Panel key={`${connection.id}:${connection.nonce}`} connectionKey={`${connection.id}:${connection.nonce}`} name={connection.name} />;
}

function Panel({ connectionKey, name }: { connectionKey: string; name: string }) {
  const id = useId();
  const queryClient = useQueryClient();
  const key = ['canary', 'history', connectionKey];
  const history = useQuery({ queryKey: key, queryFn: () => wardenClient.canary.history({ limit: SHOWN }), refetchInterval: 30_000 });
  const run = useMutation({
    mutationFn: () => wardenClient.canary.run(),
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: key }), queryClient.invalidateQueries({ queryKey: ['ledger'] })]),
  });
  const data = history.data;
  if (!data) {
    return history.isError ? (
      <section className="pending-writes canary" data-testid="canary-panel" data-state="error">
        <p className="error-text small" role="alert">
          The canary history could not be read: {history.error.message}
        </p>
      </section>
    ) : null;
  }
  const { status, runs } = data;
  if (status.state === 'unsupported' && runs.length === 0) return null;
  const last = runs[0];
  const verdict = last ? verdictOf(last) : null;
  const canRun = status.state === 'enabled';
  const busy = run.isPending || status.running;

  return (
    <section className={`pending-writes canary canary-${verdict ?? 'none'}`} aria-labelledby={`${id}-title`} data-testid="canary-panel" data-state={status.state} data-verdict={verdict ?? 'none'}>
      <div className="pending-writes-head">
        <h2 id={`${id}-title`}>Enforcement canary</h2>
        {last && verdict ? <VerdictLine run={last} verdict={verdict} /> : <span className="muted small">No run yet on this connection.</span>}
        <button type="button" className="small-button" onClick={() => run.mutate()} disabled={!canRun || busy} aria-describedby={`${id}-why`} data-testid="canary-run">
          {busy ? 'Running…' : 'Run now'}
        </button>
      </div>
      <p id={`${id}-why`} className="muted small" data-testid="canary-status">
        {statusText(status, name)}
      </p>
      {run.isError ? (
        <p className="error-text small" role="alert">
          The canary did not run: {run.error.message}
        </p>
      ) : null}
      {last && verdict !== 'proven' ? <Problems run={last} /> : null}
      {runs.length > 0 ? (
        <>
          <PropagationChart runs={runs} thresholdMs={status.thresholdMs} />
          <HistoryTable runs={runs.slice(0, RECENT)} label="Canary runs, newest first" />
          {runs.length > RECENT ? (
            <details className="canary-older">
              <summary>Show {runs.length - RECENT} older runs</summary>
              <HistoryTable runs={runs.slice(RECENT)} label="Older canary runs, newest first" />
            </details>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function verdictOf(run: CanaryReportView): Verdict {
  return !run.proven ? 'not-proven' : run.slow.length > 0 ? 'slow' : 'proven';
}

const VERDICT_WORDS: Record<Verdict, { glyph: string; words: string }> = {
  proven: { glyph: '✓', words: 'Proven' },
  'not-proven': { glyph: '✗', words: 'NOT proven' },
  slow: { glyph: '⚠', words: 'Proven, but slow' },
};

function when(at: string, seconds = false) {
  return (
    <time dateTime={at} title={exactMillisLabel(Date.parse(at))}>
      {at.slice(0, seconds ? 19 : 16).replace('T', ' ')} UTC
    </time>
  );
}

function VerdictLine({ run, verdict }: { run: CanaryReportView; verdict: Verdict }) {
  const v = VERDICT_WORDS[verdict];
  const explained =
    verdict === 'proven'
      ? 'the revocation took effect everywhere it was checked'
      : verdict === 'slow'
        ? `slower than ${run.thresholdMs} ms at ${run.slow.join(', ')}`
        : `${failedSteps(run).join(', ') || 'a step'} failed`;
  return (
    <span className={`pending-writes-summary canary-verdict-${verdict}`} role="status" data-testid="canary-verdict">
      <span aria-hidden="true">{v.glyph} </span>
      {v.words}: {explained} · last run {when(run.at)}
    </span>
  );
}

function failedSteps(run: CanaryReportView): string[] {
  return run.steps.filter((s) => s.result === 'failed').map((s) => s.step);
}

function statusText(status: CanaryStatus, name: string): string {
  switch (status.state) {
    case 'read-only':
      return `"${name}" is read-only (auditor mode): it never writes, so the canary does not run here. Runs the command line recorded on this machine for it are listed.`;
    case 'not-enabled':
      return `Not enabled for "${name}": the canary writes, revokes and removes a test session, so it runs only where the operator turned it on (Connections → edit → Enforcement canary).`;
    case 'unsupported':
      return 'This kind of store has no canary yet (Sentinel tables and Redis web sessions have one).';
    case 'enabled':
      return `Runs every ${status.everyMinutes ?? '?'} minutes while the app is open${status.nextAt ? ` (next at ${status.nextAt.slice(11, 16)} UTC)` : ''}; alarm above ${status.thresholdMs} ms. ${
        status.probeUrl ? `Probe: ${status.probeUrl}.` : 'No probe URL: enforcement by a service is not checked.'
      }`;
  }
}

/** The failed or slow steps of the last run, with what they said (store text: rendered as text only). */
function Problems({ run }: { run: CanaryReportView }) {
  const problems = run.steps.filter((s) => s.result === 'failed' || run.slow.includes(s.step));
  if (problems.length === 0) return null;
  return (
    <ul className="canary-problems small" data-testid="canary-problems">
      {problems.map((s) => (
        <li key={s.step}>
          <strong>{s.step}</strong> {s.result === 'failed' ? 'failed' : `took ${s.ms ?? '?'} ms`}: {s.detail}
        </li>
      ))}
    </ul>
  );
}

function stepMs(run: CanaryReportView, step: 'store' | 'blacklist'): number | null {
  const s = run.steps.find((x) => x.step === step);
  return s && s.result === 'ok' ? s.ms : null;
}

function probeText(run: CanaryReportView): { text: string; bad: boolean } {
  const after = run.steps.find((s) => s.step === 'probe-after');
  const before = run.steps.find((s) => s.step === 'probe-before');
  if (before?.result === 'failed') return { text: 'service failed before revocation', bad: true };
  if (!after) return { text: 'not reached', bad: true };
  if (after.result === 'skipped') return { text: 'not checked', bad: false };
  return after.result === 'ok' ? { text: 'refused after revocation', bad: false } : { text: 'still ACCEPTED after revocation', bad: true };
}

function HistoryTable({ runs, label }: { runs: CanaryReportView[]; label: string }) {
  return (
    <table className="audit-table pending-writes-table canary-table" aria-label={label} data-testid="canary-history">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Verdict</th>
          <th scope="col" className="num">
            Store
          </th>
          <th scope="col" className="num">
            Blacklist
          </th>
          <th scope="col">Probe</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r, i) => {
          const verdict = verdictOf(r);
          const v = VERDICT_WORDS[verdict];
          const store = stepMs(r, 'store');
          const blacklist = stepMs(r, 'blacklist');
          const probe = probeText(r);
          const noBlacklist = r.steps.find((s) => s.step === 'blacklist')?.result === 'skipped';
          return (
            <tr key={`${r.at}:${r.sessionId ?? i}`} data-testid="canary-run-row" data-verdict={verdict}>
              <td>{when(r.at, true)}</td>
              <td className={`canary-verdict-${verdict}`}>
                <span aria-hidden="true">{v.glyph} </span>
                {v.words}
              </td>
              <td className="num">{store === null ? <span className="canary-verdict-not-proven">failed</span> : `${store} ms`}</td>
              <td className="num">{blacklist !== null ? `${blacklist} ms` : noBlacklist ? <span className="muted">none</span> : <span className="canary-verdict-not-proven">failed</span>}</td>
              <td className={probe.bad ? 'canary-verdict-not-proven' : undefined}>{probe.text}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Store and blacklist propagation per run, oldest to newest, against the threshold. */
function PropagationChart({ runs, thresholdMs }: { runs: CanaryReportView[]; thresholdMs: number }) {
  const id = useId();
  const data = useMemo(
    () => {
      const oneDay = new Set(runs.map((r) => r.at.slice(0, 10))).size === 1;
      return [...runs].reverse().map((r) => ({
        label: oneDay ? r.at.slice(11, 19) : r.at.slice(5, 16).replace('T', ' '),
        store: stepMs(r, 'store'),
        blacklist: stepMs(r, 'blacklist'),
      }));
    },
    [runs],
  );
  const hasBlacklist = data.some((d) => d.blacklist !== null);
  // A threshold far above every run would flatten the lines at zero: it is drawn only when near them, and said otherwise.
  const highest = Math.max(0, ...data.flatMap((d) => [d.store ?? 0, d.blacklist ?? 0]));
  const thresholdShown = thresholdMs <= highest * 2;
  return (
    <figure className="chart-card canary-chart" aria-labelledby={`${id}-caption`} data-testid="canary-chart">
      <figcaption id={`${id}-caption`} className="small">
        Time until the store {hasBlacklist ? 'and the blacklist say' : 'says'} revoked, per run <span className="muted">(ms, UTC; {thresholdShown ? `red dashes: the ${thresholdMs} ms alarm threshold` : `the ${thresholdMs} ms alarm threshold is far above every run`}; a gap is a failed step)</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={160}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" vertical={false} />
          <XAxis dataKey="label" tick={{ fill: 'var(--muted)', fontSize: 11 }} interval="preserveStartEnd" minTickGap={24} />
          <YAxis allowDecimals={false} tick={{ fill: 'var(--muted)', fontSize: 11 }} width={48} />
          <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--line)', color: 'var(--text)' }} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {thresholdShown ? <ReferenceLine y={thresholdMs} stroke="var(--revoked)" strokeDasharray="6 4" ifOverflow="extendDomain" /> : null}
          <Line type="linear" dataKey="store" name="Store says revoked (solid)" stroke={STORE_COLOUR} strokeWidth={2} dot={{ r: 3 }} connectNulls={false} isAnimationActive={false} />
          {hasBlacklist ? (
            <Line type="linear" dataKey="blacklist" name="Blacklist holds revoked:<id> (dashed)" stroke={BLACKLIST_COLOUR} strokeWidth={2} strokeDasharray="4 2" dot={{ r: 3 }} connectNulls={false} isAnimationActive={false} />
          ) : null}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

