import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WardenError } from '../../src-main/errors';
import { csvLines, type Cell } from '../../src-main/export/csv';
import { exportWorkerPath } from '../../src-main/export/export-encoder';
import { ExportCancelledError, exportFile, type RowShape } from '../../src-main/export/export-file';
import { withFileLock } from '../../src-main/ledger/file-lock';
import { EXPORT_PROTOCOL, type ExportWorkerData, type ExportWorkerFault, type FromWorker, type ToWorker } from '../../src-main/export/export-protocol';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/**
 * An export's file is encoded, hashed and written by its worker thread (the built
 * out/main/export-worker.js, as the app and the command line run it: `npm test` builds first).
 * What the operator must never see when that thread fails, is cancelled or the rows stop: a
 * half-written file, an error without its reason, or a thread left running after the export.
 */

type Row = { id: number; name: string; note: string | null };
const SHAPE: RowShape<Row> = { columns: ['id', 'name', 'note'], cells: (r) => [r.id, r.name, r.note], json: (r) => r };
const HOSTILE = ['=1+1', '+cmd', '-2', '@SUM(A1)', '\tx', '\rx', 'a,b', 'say "hi"', 'line\nbreak', 'cr\ronly', '\uFF1Dfull', 'ünï', ''];

function row(i: number): Row {
  return { id: i, name: `${HOSTILE[i % HOSTILE.length] ?? ''}${i}`, note: i % 3 === 0 ? null : (HOSTILE[(i * 7) % HOSTILE.length] ?? null) };
}

/** `pages` pages of `size` rows; after `failAfter` pages (if given), the source throws as a failing store would. */
async function* pagesOf(pages: number, size: number, failAfter?: number): AsyncGenerator<Row[]> {
  for (let p = 0; p < pages; p += 1) {
    if (p === failAfter) throw new WardenError('STORE_UNAVAILABLE', 'the store went away (test)');
    yield Array.from({ length: size }, (_, i) => row(p * size + i));
    // A turn of the event loop a page, as a store's read is.
    await new Promise((r) => setImmediate(r));
  }
}

/** This process's threads (Linux): a worker that outlived its export is one or more more. */
async function threads(): Promise<number> {
  return (await readdir('/proc/self/task')).length;
}

describe('exports through the encoder thread', () => {
  let dir: TempDir;
  let baseline: number;
  let n = 0;

  const run = (options: { format?: 'csv' | 'json' | 'ndjson'; pages: AsyncIterable<Row[]>; fault?: ExportWorkerFault; script?: string; signal?: AbortSignal; onProgress?: (rows: number) => void }) => {
    n += 1;
    const path = join(dir.path, `export-${n}.${options.format ?? 'csv'}`);
    const result = exportFile({
      path,
      format: options.format ?? 'csv',
      shape: SHAPE,
      pages: options.pages,
      signal: options.signal ?? new AbortController().signal,
      manifest: { kind: 'test' },
      worker: { fault: options.fault, script: options.script },
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return { path, result };
  };

  /** Nothing of export `n` on disk: no file, no manifest, no temporary. */
  const leftOver = async () => (await readdir(dir.path)).filter((f) => f.startsWith(`export-${n}.`));

  beforeAll(async () => {
    dir = await tempDir();
    // One export first: the threads it starts once for good (libuv's pool) are in the baseline.
    const { result } = run({ pages: pagesOf(2, 10) });
    await result;
    baseline = await threads();
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('writes the same bytes as csvLines, in order across pages, the manifest hashing them', async () => {
    const { path, result } = run({ pages: pagesOf(25, 400) });
    const written = await result;
    const bytes = await readFile(path);
    const rows: Cell[][] = [SHAPE.columns.slice(), ...Array.from({ length: 25 * 400 }, (_, i) => SHAPE.cells(row(i)))];
    expect(bytes.toString('utf8')).toBe(csvLines(rows));
    expect(written).toMatchObject({ rows: 10_000, sha256: createHash('sha256').update(bytes).digest('hex') });
    const manifest = JSON.parse(await readFile(`${path}.manifest.json`, 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ rows: 10_000, sha256: written.sha256, kind: 'test', format: 'csv' });
    expect(bytes.toString('utf8')).toContain(`'\uFF1Dfull`);
    await expect.poll(threads).toBe(baseline);
  });

  it('JSON and NDJSON through the thread: the text as main made it', async () => {
    for (const format of ['json', 'ndjson'] as const) {
      const { path, result } = run({ format, pages: pagesOf(3, 50) });
      const written = await result;
      const bytes = await readFile(path);
      const all = Array.from({ length: 150 }, (_, i) => row(i));
      expect(bytes.toString('utf8')).toBe(format === 'json' ? `[\n${all.map((r) => JSON.stringify(r)).join(',\n')}\n]\n` : all.map((r) => `${JSON.stringify(r)}\n`).join(''));
      expect(written.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    await expect.poll(threads).toBe(baseline);
  });

  it('the thread throws mid-export: the reason reaches the caller, no file is left, the thread is gone', async () => {
    const { result } = run({ pages: pagesOf(50, 200), fault: { after: 3, kind: 'throw' } });
    const error = await result.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(WardenError);
    expect((error as WardenError).code).toBe('INTERNAL');
    expect((error as Error).message).toContain('test fault after batch 3');
    expect(await leftOver()).toEqual([]);
    await expect.poll(threads).toBe(baseline);
  });

  it('the thread exits mid-export: the same, with its exit code', async () => {
    const { result } = run({ pages: pagesOf(50, 200), fault: { after: 2, kind: 'exit' } });
    await expect(result).rejects.toThrow(/encoder stopped \(exit code 70\)/);
    expect(await leftOver()).toEqual([]);
    await expect.poll(threads).toBe(baseline);
  });

  it('the rows stop with an error (a store gone): that error, no file, the thread ended', async () => {
    const { result } = run({ pages: pagesOf(50, 200, 5) });
    await expect(result).rejects.toThrow('the store went away (test)');
    expect(await leftOver()).toEqual([]);
    await expect.poll(threads).toBe(baseline);
  });

  it('cancelled mid-export: no file, the thread ended', async () => {
    const controller = new AbortController();
    const { result } = run({ pages: pagesOf(1000, 200), signal: controller.signal, onProgress: (rows) => (rows >= 2000 ? controller.abort() : undefined) });
    await expect(result).rejects.toBeInstanceOf(ExportCancelledError);
    expect(await leftOver()).toEqual([]);
    await expect.poll(threads).toBe(baseline);
  });

  it('a worker left from another build (another protocol) refuses: the operator is told why, not a bare failure; no file', async () => {
    // The built worker, as a stale build would have it: speaking another protocol (its chunks required from the build).
    const built = await readFile(exportWorkerPath(), 'utf8');
    const stale = built
      .replaceAll('require("./chunks/', `require(${JSON.stringify(`${join(dirname(exportWorkerPath()), 'chunks')}/`)} + "`)
      .replace(/data\.protocol !== \d+/, 'data.protocol !== 0')
      .replace(/speaks protocol \d+/, 'speaks protocol 0');
    expect(stale.match(/data\.protocol !== 0/)).not.toBeNull();
    const script = join(dir.path, 'stale-export-worker.js');
    await writeFile(script, stale);
    const { result } = run({ pages: pagesOf(5, 10), script });
    const error = await result.then(() => null, (e: unknown) => e);
    // A WardenError: its message is what the operator reads (anything else becomes "could not be written" alone).
    expect(error).toBeInstanceOf(WardenError);
    expect((error as Error).message).toMatch(/speaks protocol 0, main \d+: the build is out of date/);
    expect((error as Error).message).toContain('nothing was left on disk');
    expect(await leftOver()).toEqual([]);
    await expect.poll(threads).toBe(baseline);
  });

  it('a second export to the file one is still writing is refused, saying why: the first completes whole, its manifest hashing its bytes', async () => {
    const path = join(dir.path, 'same-file.csv');
    const exportTo = (pages: AsyncIterable<Row[]>) =>
      exportFile({ path, format: 'csv', shape: SHAPE, pages, signal: new AbortController().signal, manifest: { kind: 'test' } });
    const first = exportTo(pagesOf(40, 250));
    // The operator picked the same file again (the save dialog's "replace") while the first runs.
    const second = exportTo(pagesOf(2, 5));
    await expect(second).rejects.toThrow(/^An export to same-file\.csv is already being written: wait for it to finish, or choose another file; nothing was written by this one\.$/);
    await expect(second).rejects.toBeInstanceOf(WardenError);
    const written = await first;
    const bytes = await readFile(path);
    expect(written).toMatchObject({ rows: 10_000, sha256: createHash('sha256').update(bytes).digest('hex') });
    const manifest = JSON.parse(await readFile(`${path}.manifest.json`, 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ rows: 10_000, sha256: written.sha256 });
    expect((await readdir(dir.path)).filter((f) => f.startsWith('same-file.') && f.endsWith('.tmp'))).toEqual([]);
    // Once it is done, the file can be written again.
    await expect(exportTo(pagesOf(1, 3))).resolves.toMatchObject({ rows: 3 });
    await expect.poll(threads).toBe(baseline);
  });

  it('another process renaming its export onto the same file meanwhile: this one waits for it, so the file and its manifest are one export\'s', async () => {
    const path = join(dir.path, 'two-processes.csv');
    const manifestPath = `${path}.manifest.json`;
    let exporting!: Promise<{ rows: number; sha256: string }>;
    // The other process (the command line exporting the same file) holds the lock over its two renames.
    await withFileLock(`${path}.warden-export.lock`, async () => {
      exporting = exportFile({ path, format: 'csv', shape: SHAPE, pages: pagesOf(3, 50), signal: new AbortController().signal, manifest: { kind: 'test' } });
      // This export is written and its manifest too, up to the renames (or, were it not waiting, renamed).
      await expect.poll(async () => existsSync(path) || (await readdir(dir.path)).some((f) => f.startsWith('two-processes.csv.manifest.json.') && f.endsWith('.tmp')), { timeout: 20_000 }).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(existsSync(path)).toBe(false);
      // The other process's pair lands first.
      await writeFile(path, 'other\n');
      await writeFile(manifestPath, JSON.stringify({ rows: 1, sha256: createHash('sha256').update('other\n').digest('hex') }));
    });
    const written = await exporting;
    const bytes = await readFile(path);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
    expect(written.rows).toBe(150);
    expect(manifest).toMatchObject({ rows: 150, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect((await readdir(dir.path)).filter((f) => f.startsWith('two-processes.') && (f.endsWith('.tmp') || f.endsWith('.lock')))).toEqual([]);
  });

  it('bytes already encoded (a PostgreSQL COPY) are written and hashed as they are, and each batch is handed back to main to be let go', async () => {
    const path = join(dir.path, 'bytes.csv');
    const file = await open(path, 'w');
    const worker = new Worker(exportWorkerPath(), { workerData: { protocol: EXPORT_PROTOCOL, fd: file.fd } satisfies ExportWorkerData });
    try {
      const messages: FromWorker[] = [];
      const next = () => new Promise<FromWorker>((resolve) => worker.once('message', resolve));
      const batches = ['a,b\r\n', '"x\ny",=q\r\n'];
      for (const text of batches) {
        const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
        bytes.write(text);
        const answer = next();
        worker.postMessage({ t: 'bytes', bytes } satisfies ToWorker, [bytes.buffer as ArrayBuffer]);
        // Transferred: this thread no longer holds the batch.
        expect(bytes.buffer.byteLength).toBe(0);
        messages.push(await answer);
      }
      expect(messages.map((m) => (m.t === 'written' ? m.recycled?.byteLength : -1))).toEqual(batches.map((t) => Buffer.byteLength(t)));
      const done = next();
      worker.postMessage({ t: 'end' } satisfies ToWorker);
      const end = await done;
      await file.close();
      const written = await readFile(path);
      expect(written.toString('utf8')).toBe(batches.join(''));
      expect(end).toEqual({ t: 'done', sha256: createHash('sha256').update(written).digest('hex'), bytes: written.length });
    } finally {
      await worker.terminate();
    }
  });

  it('a worker script that cannot be loaded: an error saying so, no file', async () => {
    const { result } = run({ pages: pagesOf(5, 10), script: join(dir.path, 'no-such-worker.js') });
    await expect(result).rejects.toThrow(/encoder failed/);
    expect(await leftOver()).toEqual([]);
    await expect.poll(threads).toBe(baseline);
  });
});

describe('the built worker is where the bundle looks for it', () => {
  const main = resolve(__dirname, '../../out/main');

  it('out/main/export-worker.js sits beside index.js and cli.js, and the built code that starts it finds it from its own directory', async () => {
    for (const entry of ['index.js', 'cli.js', 'export-worker.js']) expect(existsSync(join(main, entry))).toBe(true);
    // The module that starts the worker is bundled into an entry or a chunk; it looks beside itself and one directory up.
    const files = [...(await readdir(main)).map((f) => join(main, f)), ...(await readdir(join(main, 'chunks'))).map((f) => join(main, 'chunks', f))].filter((f) => f.endsWith('.js'));
    const starters: string[] = [];
    for (const file of files) if ((await readFile(file, 'utf8')).includes('new node_worker_threads.Worker(')) starters.push(file);
    expect(starters.length).toBeGreaterThan(0);
    for (const file of starters) {
      const from = dirname(file);
      expect([join(from, 'export-worker.js'), join(from, '..', 'export-worker.js')].map((p) => resolve(p))).toContain(join(main, 'export-worker.js'));
    }
    // From the sources (these tests), the build's.
    expect(exportWorkerPath()).toBe(join(main, 'export-worker.js'));
  });
});
