import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { putAll } from '../../src-main/demo/demo-store';
import { createHandlers } from '../../src-main/handlers';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import { mapConcurrent } from '../../src-main/revocation/concurrency';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../fixtures/dynamodb-local';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

/**
 * Exports of 50,000 and 200,000 sessions from DynamoDB Local through the real handler, as CSV:
 * time, file size, and how far the live heap (sampled every 50 ms right after a forced
 * collection) and RSS rose above where they started. Flat memory: the peak does not grow with
 * the row count.
 */
let dynamo: RunningDynamoDbLocal;
let dir: TempDir;
const figures: string[] = [];
const INFO: AppInfo = { version: 'bench', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'bench', kind: 'dynamodb', environment: 'bench', table: 't', readOnly: true, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:bench' };

beforeAll(async () => {
  [dynamo, dir] = await Promise.all([startDynamoDbLocal(), tempDir()]);
});
afterAll(async () => {
  await dynamo?.stop();
  await dir?.remove();
  console.log(`\n${figures.join('\n')}\n`);
});

for (const size of [50_000, 200_000]) {
  it(`exports ${size.toLocaleString('en-US')} sessions as CSV with flat memory`, async () => {
    const table: TestTable = await createSentinelTable(dynamo.endpoint);
    const now = Math.floor(Date.now() / 1000);
    const items = Array.from({ length: size }, (_, i) =>
      sentinelItem({ seconds: now - 60 - (i % 604_800), nanos: (i * 104_729) % 1e9 }, { user: `user${i % 5000}`, expires_at: formatRfc3339Nano(now + 8 * 3600, 0), ttl: now + 8 * 3600 }),
    );
    const chunks: (typeof items)[] = [];
    for (let i = 0; i < items.length; i += 1000) chunks.push(items.slice(i, i + 1000));
    await mapConcurrent(chunks, 8, (chunk) => putAll(table.client, table.name, chunk));
    chunks.length = 0;
    items.length = 0;

    const handlers = createHandlers({
      ledgerConnection: 'bench',
      store: table.store(),
      revoker: null,
      ledger: new Ledger(join(dir.path, 'ledger.jsonl')),
      info: () => INFO,
      chooseSavePath: async (name) => join(dir.path, name),
      notify: () => undefined,
    });
    const dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'] });
    global.gc?.();
    const base = process.memoryUsage();
    let peakHeap = base.heapUsed;
    let peakRss = base.rss;
    const sampler = setInterval(() => {
      global.gc?.();
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }, 50);
    const started = performance.now();
    const result = await dispatch('export:start', { exportId: randomUUID(), kind: 'sessions', format: 'csv', filter: { status: 'any' } }, { url: 'app://warden/index.html', isMainFrame: true });
    const ms = performance.now() - started;
    clearInterval(sampler);
    if (!result.ok) throw new Error(result.error.message);
    const value = result.value as { rows: number; fileName: string };
    expect(value.rows).toBe(size);
    const bytes = (await stat(join(dir.path, value.fileName))).size;
    const mb = (n: number) => (n / 1048576).toFixed(1);
    figures.push(
      `export ${size.toLocaleString('en-US')} sessions as CSV: ${(ms / 1000).toFixed(1)} s (${Math.round(size / (ms / 1000)).toLocaleString('en-US')} rows/s), ` +
        `file ${mb(bytes)} MB; live heap rose at most ${mb(peakHeap - base.heapUsed)} MB${global.gc ? '' : ' (no --expose-gc: includes garbage)'}, RSS at most ${mb(peakRss - base.rss)} MB`,
    );
    await table.drop();
  });
}
