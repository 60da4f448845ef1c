import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ExportFormat } from '../../src-shared/export';
import { csvLines } from './csv';

/** How one kind of row becomes a CSV line (the columns) or a JSON value. */
export interface RowShape<T> {
  columns: readonly string[];
  cells(row: T): (string | number | boolean | null | undefined)[];
  json(row: T): unknown;
}

export interface ExportFileOptions<T> {
  path: string;
  format: ExportFormat;
  shape: RowShape<T>;
  /** Rows, a page at a time: only one page is ever held in memory. */
  pages: AsyncIterable<readonly T[]>;
  signal: AbortSignal;
  onProgress?: (rows: number) => void;
  /** What the manifest says besides rows and hash (kind, filter, operator, connection...). */
  manifest: Record<string, unknown>;
}

export interface ExportFileResult {
  rows: number;
  sha256: string;
  fileName: string;
  manifestFileName: string;
}

/** Bytes handed to the file before writing waits for the disk: a few pages of a sessions export. */
const WRITE_BUFFER = 4 * 1024 * 1024;

export class ExportCancelledError extends Error {
  override name = 'ExportCancelledError';
}

/**
 * Streams rows to `path` and writes `<path>.manifest.json` beside it (row count, SHA-256 of the
 * file, and the caller's fields) so an auditor can show the file was not altered. Both are written
 * to temporary files, fsynced and renamed: a failed or cancelled export leaves nothing behind.
 * Writing waits for the disk (back-pressure), so memory stays at about one page however many rows.
 */
export async function exportFile<T>(options: ExportFileOptions<T>): Promise<ExportFileResult> {
  const { path, format, shape, signal } = options;
  const temporary = `${path}.${process.pid}.tmp`;
  const manifestPath = `${path}.manifest.json`;
  const hash = createHash('sha256');
  // A page of CSV is a few hundred KB: with the default 16 KB buffer every page waited for the disk
  // before the next was encoded. Up to WRITE_BUFFER is handed to the disk while the next pages are
  // encoded, and writing still waits beyond it (memory stays bounded).
  const stream = createWriteStream(temporary, { mode: 0o600, highWaterMark: WRITE_BUFFER });
  // Write errors surface through writeChunk and closeStream; a write still in flight when the
  // export is abandoned (destroy below) must not become an uncaught 'error' event.
  stream.on('error', () => undefined);
  let rows = 0;
  try {
    const write = (text: string) => {
      // Encoded once, for the hash and the file alike.
      const bytes = Buffer.from(text, 'utf8');
      hash.update(bytes);
      return writeChunk(stream, bytes);
    };
    if (format === 'csv') await write(csvLines([shape.columns]));
    if (format === 'json') await write('[');
    for await (const page of options.pages) {
      if (signal.aborted) throw new ExportCancelledError('cancelled');
      if (page.length === 0) continue;
      if (format === 'csv') await write(csvLines(page.map((row) => shape.cells(row))));
      else if (format === 'ndjson') await write(page.map((row) => `${JSON.stringify(shape.json(row))}\n`).join(''));
      else await write(page.map((row, i) => `${rows + i === 0 ? '\n' : ',\n'}${JSON.stringify(shape.json(row))}`).join(''));
      rows += page.length;
      options.onProgress?.(rows);
    }
    if (signal.aborted) throw new ExportCancelledError('cancelled');
    if (format === 'json') await write(rows === 0 ? ']\n' : '\n]\n');
    await closeStream(stream);
    await fsyncFile(temporary);
  } catch (error) {
    stream.destroy();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  const sha256 = hash.digest('hex');
  const manifest = { file: basename(path), format, rows, sha256, ...options.manifest };
  const manifestTemporary = `${manifestPath}.${process.pid}.tmp`;
  try {
    const file = await open(manifestTemporary, 'w', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await rename(manifestTemporary, manifestPath);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    await unlink(manifestTemporary).catch(() => undefined);
    throw error;
  }
  return { rows, sha256, fileName: basename(path), manifestFileName: basename(manifestPath) };
}

/** Writes, and waits for the disk when the stream's buffer is full (rejects on a write error). */
async function writeChunk(stream: WriteStream, bytes: Buffer): Promise<void> {
  if (!stream.write(bytes)) await once(stream, 'drain');
  if (stream.errored) throw stream.errored;
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

async function fsyncFile(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}
