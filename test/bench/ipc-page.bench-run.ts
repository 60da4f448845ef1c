import { afterAll, expect, it } from 'vitest';
import type { AppInfo, SessionsPage, SessionsQueryRequest } from '../../src-shared/contract';
import { contract } from '../../src-shared/contract';
import { createHandlers } from '../../src-main/handlers';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import type { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { tempDir } from '../fixtures/temp-dir';
import { InMemoryStore, syntheticSessions } from './bench-sessions';

/**
 * Issue 17's "load 100,000 rows into the table through the IPC bridge": what main and the contract
 * add per page of 500. The rows come from an in-memory list (as in renderer.bench-run.ts), so what
 * is timed is `dispatch` alone: the request checked against the contract, the handler, the answer
 * checked against the contract. Beside it, in the same run: the store's own page (the floor main
 * can reach), the response check alone, and the copy Electron makes of every answer anyway
 * (structuredClone; the e2e harness's bridge is a JSON round trip instead), all per page.
 */
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const PAGE = 500;
const figures: string[] = [];
afterAll(() => console.log(`\n${figures.join('\n')}\n`));



it(`pages ${ROWS.toLocaleString('en-US')} sessions through dispatch, ${PAGE} a page: main's and the contract's share`, async () => {
  const dir = await tempDir();
  const info: AppInfo = { version: 'bench', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'bench', kind: 'dynamodb', environment: 'bench', table: 'in-memory', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:bench' };
  const store = new InMemoryStore(syntheticSessions(ROWS));
  const handlers = createHandlers({ ledgerConnection: 'bench', store, revoker: {} as SentinelRevoker, ledger: new Ledger(`${dir.path}/ledger.jsonl`), info: () => info, chooseSavePath: async () => null, notify: () => undefined });
  const dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'] });
  const sender = { url: 'app://warden/index.html', isMainFrame: true };
  const rounds: { raw: number; dispatch: number; check: number; clone: number; json: number; pages: number }[] = [];
  // Three rounds, the best of each kept: the first warms the JIT; the machine is shared.
  for (let round = 0; round < 3; round += 1) {
    let started = performance.now();
    for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
      cursor = (await store.query({ status: ['active'], limit: PAGE, ...(cursor ? { cursor } : {}) } as SessionsQueryRequest)).nextCursor;
    }
    const raw = performance.now() - started;
    const answers: unknown[] = [];
    let rows = 0;
    started = performance.now();
    for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
      const result = await dispatch('sessions:query', { status: ['active'], limit: PAGE, ...(cursor ? { cursor } : {}) }, sender);
      if (!result.ok) throw new Error(result.error.message);
      answers.push(result);
      const value = result.value as SessionsPage;
      rows += value.sessions.length;
      cursor = value.nextCursor;
    }
    const dispatchMs = performance.now() - started;
    expect(rows).toBe(ROWS);
    const time = (each: (answer: unknown) => unknown) => {
      const t = performance.now();
      for (const answer of answers) each(answer);
      return performance.now() - t;
    };
    const check = time((answer) => contract['sessions:query'].response.parse((answer as { value: unknown }).value));
    const clone = time((answer) => structuredClone(answer));
    const json = time((answer) => JSON.parse(JSON.stringify(answer)));
    rounds.push({ raw, dispatch: dispatchMs, check, clone, json, pages: answers.length });
  }
  const best = (key: 'raw' | 'dispatch' | 'check' | 'clone' | 'json') => Math.min(...rounds.map((r) => r[key]));
  const pages = rounds[0]?.pages ?? 1;
  const per = (ms: number) => `${(ms / pages).toFixed(2)} ms`;
  figures.push(
    `${ROWS.toLocaleString('en-US')} sessions through dispatch('sessions:query'), ${pages} pages of ${PAGE} (best of 3 rounds): ${(best('dispatch') / 1000).toFixed(2)} s in all, ${per(best('dispatch'))} a page ` +
      `(of which checking the answer against the contract ${per(best('check'))}); the in-memory store's own page ${per(best('raw'))}; ` +
      `the copy Electron makes of each answer (structuredClone) ${per(best('clone'))}, ${(best('dispatch') / best('clone')).toFixed(2)}x of it; a JSON round trip (the e2e bridge) ${per(best('json'))}. ` +
      `Main, the contract and the copy together: ${((best('dispatch') + best('clone')) / 1000).toFixed(1)} s for every page of the load, the rest of the renderer bench's load time is the renderer's and the bench loop's`,
  );
  await dir.remove();
}, 600_000);
