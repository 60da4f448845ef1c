import type { ConnectionTestResult } from '../../../../src-shared/connections';

interface TestLike {
  isPending: boolean;
  isError: boolean;
  error: Error | null;
  data: ConnectionTestResult | undefined;
}

const GLYPHS = { ok: '✓', warning: '!', failed: '✗' } as const;

/** The checks of a connection test, each in words (colour is never the only signal). */
export function TestResults({ test }: { test: TestLike }) {
  if (test.isPending) return <p role="status">Testing the connection…</p>;
  if (test.isError) return <p role="alert" className="error-text">The test could not run: {test.error?.message}</p>;
  if (!test.data) return null;
  return (
    <div className="test-results" data-testid="test-results" data-ok={test.data.ok}>
      <p role="status">
        <strong>{test.data.ok ? 'The connection works.' : 'The connection does not work yet:'}</strong>
      </p>
      <ul>
        {test.data.checks.map((c) => (
          <li key={c.name} className={`check check-${c.state}`}>
            <span aria-hidden="true">{GLYPHS[c.state]}</span> <strong>{c.name}</strong> ({c.state}): {c.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}
