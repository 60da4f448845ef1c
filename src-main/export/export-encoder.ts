import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WardenError } from '../errors';
import type { Cell } from './csv';
import { EXPORT_PROTOCOL, EXPORT_WORKER_FILE, type ExportWorkerData, type ExportWorkerFault, type FromWorker, type ToWorker } from './export-protocol';

/** Batches sent to the worker and not yet written: main reads at most this many pages ahead of the file. */
const IN_FLIGHT = 4;

/** Where the export's worker is, and (tests only) a fault it makes on purpose. */
export interface ExportWorkerOptions {
  /** The worker's script; by default the built one (see exportWorkerPath). */
  script?: string | undefined;
  fault?: ExportWorkerFault | undefined;
}

/**
 * The built worker script. The build writes it to out/main/export-worker.js, beside index.js and
 * cli.js, and this module may be bundled into either of those or into a chunk under
 * out/main/chunks, so it is looked for here and one directory up (in the packaged app, inside
 * app.asar: Electron reads a worker's script from there). Running from the TypeScript sources
 * (the tests), the last build's: `npm test` builds before it runs them.
 */
export function exportWorkerPath(): string {
  const candidates = [join(__dirname, EXPORT_WORKER_FILE), join(__dirname, '..', EXPORT_WORKER_FILE), resolve(__dirname, '../../out/main', EXPORT_WORKER_FILE)];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) throw new WardenError('INTERNAL', `The export could not start: its encoder (${EXPORT_WORKER_FILE}) is missing from the installation; nothing was written.`);
  return found;
}

/**
 * The export's encoder thread, writing to the open file `fd`: `rows` and `text` hand it a batch
 * (waiting while IN_FLIGHT batches are unwritten), `finish` the file's hash once every byte is
 * written, `stop` ends the thread (on every path: call it in a finally). A worker that fails,
 * throws or exits before `finish` makes the next call (or the one waiting) throw, with its reason.
 */
export class ExportEncoder {
  readonly #worker: Worker;
  #inFlight = 0;
  #failure: Error | null = null;
  #done: { sha256: string; bytes: number } | null = null;
  #wake: (() => void) | null = null;

  constructor(fd: number, options: ExportWorkerOptions = {}) {
    const data: ExportWorkerData = { protocol: EXPORT_PROTOCOL, fd, fault: options.fault };
    this.#worker = new Worker(options.script ?? exportWorkerPath(), { workerData: data });
    this.#worker.on('message', (message: FromWorker) => {
      if (message.t === 'written') this.#inFlight -= 1;
      else if (message.t === 'done') this.#done = { sha256: message.sha256, bytes: message.bytes };
      // A WardenError, so its reason (a full disk, a worker of another build) is what the operator reads.
      else this.#fail(new WardenError('INTERNAL', `The export could not be written (${message.message}); nothing was left on disk.`));
      this.#notify();
    });
    this.#worker.on('error', (error) => {
      this.#fail(new WardenError('INTERNAL', `The export could not be written: its encoder failed (${error.message}); nothing was left on disk.`));
      this.#notify();
    });
    this.#worker.on('exit', (code) => {
      if (this.#done === null) this.#fail(new WardenError('INTERNAL', `The export could not be written: its encoder stopped (exit code ${code}); nothing was left on disk.`));
      this.#notify();
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Resolves once `ready` holds, throwing the worker's failure if it comes first. */
  async #until(ready: () => boolean): Promise<void> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      if (ready()) return;
      await new Promise<void>((wake) => (this.#wake = wake));
    }
  }

  async #send(message: ToWorker, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#worker.postMessage(message, transfer);
    this.#inFlight += 1;
    await this.#until(() => this.#inFlight < IN_FLIGHT);
  }

  /** CSV lines of these rows (csvLines: each cell escaped against formulas). */
  rows(rows: Cell[][]): Promise<void> {
    return this.#send({ t: 'rows', rows });
  }

  /**
   * Bytes written as they are (CSV lines already encoded: see PostgresSessionStore.csvLines),
   * handed over whole: `bytes` must be the whole of its own ArrayBuffer (Buffer.allocUnsafeSlow),
   * which moves to the thread and is not to be read here again.
   */
  bytes(bytes: Uint8Array): Promise<void> {
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) throw new WardenError('INTERNAL', 'The export could not be written: its bytes were not a buffer of their own; nothing was left on disk.');
    return this.#send({ t: 'bytes', bytes }, [bytes.buffer as ArrayBuffer]);
  }

  /** Text written as it is (JSON, NDJSON). */
  text(text: string): Promise<void> {
    return this.#send({ t: 'text', text });
  }

  /** Once every batch is written: the SHA-256 (hex) of the file's bytes, and how many. */
  async finish(): Promise<{ sha256: string; bytes: number }> {
    if (this.#failure) throw this.#failure;
    this.#worker.postMessage({ t: 'end' } satisfies ToWorker);
    await this.#until(() => this.#done !== null);
    return this.#done as { sha256: string; bytes: number };
  }

  /** Ends the thread (whatever it was doing) and resolves once it has. */
  async stop(): Promise<void> {
    await this.#worker.terminate();
  }
}
