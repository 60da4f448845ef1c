import { randomUUID } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { ExportFormat } from '../../src-shared/export';
import { WardenError } from '../errors';
import { withFileLock } from '../ledger/file-lock';
import { ExportEncoder, type ExportWorkerOptions } from './export-encoder';

/** How one kind of row becomes a CSV line (the columns) or a JSON value. */
export interface RowShape<T> {
  columns: readonly string[];
  cells(row: T): (string | number | boolean | null | undefined)[];
  json(row: T): unknown;
}

/** A CSV export's lines, already encoded by the store that read them: UTF-8, each ended by CRLF, `rows` of them. */
export interface CsvLines {
  csv: Buffer;
  rows: number;
}

export interface ExportFileOptions<T> {
  path: string;
  format: ExportFormat;
  shape: RowShape<T>;
  /**
   * Rows, a page at a time: only one page is ever held in memory. A CSV export's pages may instead
   * be its lines already encoded, by a store that makes them itself (PostgreSQL's COPY).
   */
  pages: AsyncIterable<readonly T[] | CsvLines>;
  signal: AbortSignal;
  onProgress?: (rows: number) => void;
  /** What the manifest says besides rows and hash (kind, filter, operator, connection...). */
  manifest: Record<string, unknown>;
  /** The encoder thread's script and (tests only) a fault it makes: by default the built worker. */
  worker?: ExportWorkerOptions | undefined;
}

export interface ExportFileResult {
  rows: number;
  sha256: string;
  fileName: string;
  manifestFileName: string;
}

export class ExportCancelledError extends Error {
  override name = 'ExportCancelledError';
}

/**
 * Streams rows to `path` and writes `<path>.manifest.json` beside it (row count, SHA-256 of the
 * file, and the caller's fields) so an auditor can show the file was not altered. Both are written
 * to temporary files, fsynced and renamed: a failed or cancelled export leaves nothing behind.
 * Two exports to one file in one process: the second is refused. In two processes (the app and
 * the command line): both complete, and the two renames of each are made under one lock, so the
 * file and its manifest are always from the same export (the last one's).
 *
 * The file is encoded, hashed and written by a worker thread (export-worker.ts) while this thread
 * reads the next pages: two cores in a pipeline. At most a few pages are on their way to it
 * (ExportEncoder waits for the file beyond that), so memory stays flat however many rows. Main
 * opens the temporary file and closes it, and ends the worker, on every path.
 */
export async function exportFile<T>(options: ExportFileOptions<T>): Promise<ExportFileResult> {
  // Two exports renaming onto one name could leave one's file beside the other's manifest.
  const target = resolve(options.path);
  if (writing.has(target)) {
    throw new WardenError('VALIDATION', `An export to ${basename(options.path)} is already being written: wait for it to finish, or choose another file; nothing was written by this one.`);
  }
  writing.add(target);
  try {
    return await writeExport(options);
  } finally {
    writing.delete(target);
  }
}

/** The files exports of this process are writing now (absolute paths). */
const writing = new Set<string>();

async function writeExport<T>(options: ExportFileOptions<T>): Promise<ExportFileResult> {
  const { path, format, shape, signal } = options;
  // A name of its own: another process (the command line) may be exporting to the same file.
  const temporary = `${path}.${randomUUID()}.tmp`;
  const manifestPath = `${path}.manifest.json`;
  let rows = 0;
  let sha256: string;
  let file: FileHandle | null = null;
  let encoder: ExportEncoder | null = null;
  try {
    file = await open(temporary, 'w', 0o600);
    encoder = new ExportEncoder(file.fd, options.worker);
    if (format === 'csv') await encoder.rows([[...shape.columns]]);
    if (format === 'json') await encoder.text('[');
    for await (const page of options.pages) {
      if (signal.aborted) throw new ExportCancelledError('cancelled');
      if (isCsvLines(page)) {
        if (format !== 'csv') throw new WardenError('INTERNAL', `The export could not be written: CSV lines were handed to a ${format} export; nothing was left on disk.`);
        await encoder.bytes(page.csv);
        rows += page.rows;
        options.onProgress?.(rows);
        continue;
      }
      if (page.length === 0) continue;
      if (format === 'csv') await encoder.rows(page.map((row) => shape.cells(row)));
      else if (format === 'ndjson') await encoder.text(page.map((row) => `${JSON.stringify(shape.json(row))}\n`).join(''));
      else await encoder.text(page.map((row, i) => `${rows + i === 0 ? '\n' : ',\n'}${JSON.stringify(shape.json(row))}`).join(''));
      rows += page.length;
      options.onProgress?.(rows);
    }
    if (signal.aborted) throw new ExportCancelledError('cancelled');
    if (format === 'json') await encoder.text(rows === 0 ? ']\n' : '\n]\n');
    ({ sha256 } = await encoder.finish());
    await encoder.stop();
    encoder = null;
    await file.sync();
    await file.close();
    file = null;
  } catch (error) {
    // The worker first (it writes to the file), then the file, then its name.
    await encoder?.stop().catch(() => undefined);
    await file?.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  const manifest = { file: basename(path), format, rows, sha256, ...options.manifest };
  const manifestTemporary = `${manifestPath}.${randomUUID()}.tmp`;
  try {
    const file = await open(manifestTemporary, 'w', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    // Another process (the command line, or a second app) may be renaming onto the same names: the
    // two renames are one step under a lock, so the file and the manifest are always one export's.
    await withFileLock(`${path}.warden-export.lock`, async () => {
      await rename(temporary, path);
      await rename(manifestTemporary, manifestPath);
    });
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    await unlink(manifestTemporary).catch(() => undefined);
    throw error;
  }
  return { rows, sha256, fileName: basename(path), manifestFileName: basename(manifestPath) };
}

function isCsvLines<T>(page: readonly T[] | CsvLines): page is CsvLines {
  return !Array.isArray(page);
}
