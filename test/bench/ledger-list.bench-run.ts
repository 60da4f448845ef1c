import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { openDemoWorkspace } from '../../src-main/workspace';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/**
 * The audit view's `ledger:list` over ledgers of 20,000 and 400,000 entries (10,000 and 200,000
 * revocations): the first page, a filtered page, and the same page again after one more
 * revocation was appended (what the audit view's 15-second refresh costs), with the live heap.
 */
let dir: TempDir;
const figures: string[] = [];
const SENDER = { url: 'app://warden/index.html', isMainFrame: true };

function revocation(i: number, time: string): LedgerRecord[] {
  const base = { time, operator: `op${i % 7}`, connection: 'bench', run: `run-${Math.floor(i / 50)}`, sessionId: `s${i.toString(16).padStart(12, '0')}`, user: `user${i % 5000}`, reasonCode: 'offboarding' as const, ticket: `HR-${i % 900}` };
  return [
    { kind: 'attempt', ...base, revokedAt: time },
    { kind: 'outcome', ...base, outcome: 'revoked' },
  ];
}

beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir?.remove();
  console.log(`\n${figures.join('\n')}\n`);
});

for (const revocations of [10_000, 200_000]) {
  it(`lists the audit rows of ${(revocations * 2).toLocaleString('en-US')} ledger entries`, async () => {
    const workspace = await openDemoWorkspace('bench', join(dir.path, String(revocations)), { chooseSavePath: async () => null, notify: () => undefined }, { readOnly: true });
    const { ledger } = workspace;
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < revocations; i += 10_000) {
      const records = Array.from({ length: Math.min(10_000, revocations - i) }, (_, k) => revocation(i + k, new Date(start + (i + k) * 60_000).toISOString())).flat();
      await ledger.append(records);
    }
    const bytes = (await stat(ledger.path)).size;
    try {
      const dispatch = createDispatch(workspace.handlers, { trustedOrigins: ['app://warden'] });
      const timed = async (request: object): Promise<[number, number]> => {
        global.gc?.();
        const before = process.memoryUsage().heapUsed;
        let peak = before;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
        const t = performance.now();
        const result = await dispatch('ledger:list', request, SENDER);
        const ms = performance.now() - t;
        clearInterval(sampler);
        if (!result.ok) throw new Error(result.error.message);
        expect((result.value as { total: number }).total).toBeGreaterThan(0);
        return [ms, (peak - before) / 1048576];
      };
      const [first, firstHeap] = await timed({ limit: 200 });
      const [filtered] = await timed({ text: 'HR-42', limit: 200 });
      await ledger.append(revocation(revocations, new Date().toISOString()));
      const [again, againHeap] = await timed({ limit: 200 });
      figures.push(
        `ledger:list over ${(revocations * 2).toLocaleString('en-US')} entries (${(bytes / 1048576).toFixed(1)} MB): first page ${first.toFixed(0)} ms (heap +${firstHeap.toFixed(0)} MB), ` +
          `text filter ${filtered.toFixed(0)} ms, after one more revocation ${again.toFixed(0)} ms (heap +${againHeap.toFixed(0)} MB)`,
      );
    } finally {
      await workspace.close();
    }
  });
}
