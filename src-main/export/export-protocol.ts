import type { Cell } from './csv';

/**
 * What main and the export's encoder thread (export-worker.ts) say to each other. Main reads the
 * store and hands over each page as rows of cells (CSV), as text (JSON, NDJSON) or as bytes already
 * encoded (CSV lines the store made: PostgreSQL's COPY); the worker
 * encodes, hashes and writes it to the file main opened, and acknowledges each batch once written.
 */

/** Raised with each change of the messages: a worker built from other sources refuses to start. */
export const EXPORT_PROTOCOL = 2;

/** The file the build writes the worker to (electron.vite.config.ts, entry `export-worker`). */
export const EXPORT_WORKER_FILE = 'export-worker.js';

/** A fault the worker makes on purpose after its `after`-th batch, for the tests of what main does then. */
export interface ExportWorkerFault {
  after: number;
  /** `throw`: an uncaught exception in the worker; `exit`: the worker ends itself (process.exit in a worker ends the thread). */
  kind: 'throw' | 'exit';
}

export interface ExportWorkerData {
  protocol: number;
  /** The temporary file, opened by main (which closes it whatever happens). */
  fd: number;
  fault?: ExportWorkerFault | undefined;
}

export type ToWorker = { t: 'rows'; rows: Cell[][] } | { t: 'text'; text: string } | { t: 'bytes'; bytes: Uint8Array } | { t: 'end' };

export type FromWorker =
  /** A batch is written; `recycled`: the bytes of a `bytes` batch, transferred back to be let go in main. */
  | { t: 'written'; recycled?: ArrayBuffer }
  | { t: 'done'; sha256: string; bytes: number }
  | { t: 'failed'; message: string; code?: string | undefined };
