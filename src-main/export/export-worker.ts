import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { csvLines } from './csv';
import { EXPORT_PROTOCOL, type ExportWorkerData, type FromWorker, type ToWorker } from './export-protocol';

/**
 * An export's encoder thread (a worker_threads Worker, built to out/main/export-worker.js): each
 * batch main sends is encoded (CSV by csv-stringify), hashed (SHA-256 of the file's bytes) and
 * written to the file main opened, in order, then acknowledged; `end` answers with the hash.
 * Main reads the next pages of the store meanwhile. A failure is reported with its reason and
 * nothing more is written; main closes the file, removes it and ends this thread.
 */
const data = workerData as ExportWorkerData;
const port = parentPort;
if (!port) throw new Error('export-worker.js runs as a worker thread of an export');
const channel = port;
const hash = createHash('sha256');
let bytes = 0;
let batches = 0;
let failed = false;

const post = (message: FromWorker) => channel.postMessage(message);

/** Every byte of `buffer`, however many writes the file takes. */
function writeAll(buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(data.fd, buffer, offset, buffer.length - offset);
}

/**
 * `text` as UTF-8, in one buffer used again for every batch: a fresh Buffer a batch (a few
 * hundred KB each, outside V8's heap) piled up until a collection noticed them, tens of MB of RSS.
 * The bytes are read (hashed, written) before the next batch overwrites them.
 */
let scratch = Buffer.allocUnsafeSlow(0);
function encode(text: string): Buffer {
  // At most three bytes a UTF-16 unit: one pass, never a second to measure it first.
  if (scratch.length < text.length * 3) scratch = Buffer.allocUnsafeSlow(text.length * 3 + 65536);
  return scratch.subarray(0, scratch.write(text, 0, 'utf8'));
}

function receive(message: ToWorker): void {
  if (failed) return;
  try {
    if (message.t === 'end') {
      post({ t: 'done', sha256: hash.digest('hex'), bytes });
      return;
    }
    // Encoded once, for the hash and the file alike.
    const buffer =
      message.t === 'bytes' ? Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength) : encode(message.t === 'rows' ? csvLines(message.rows) : message.text);
    hash.update(buffer);
    writeAll(buffer);
    bytes += buffer.length;
    batches += 1;
    if (data.fault && batches === data.fault.after) {
      if (data.fault.kind === 'exit') process.exit(70);
      // Thrown outside this handler's catch: an uncaught exception, as a bug in the encoder would be.
      setImmediate(() => {
        throw new Error(`test fault after batch ${batches}`);
      });
      failed = true;
      return;
    }
    if (message.t === 'bytes') {
      // Handed back to be let go in main, which collects all the time: this thread's heap barely
      // grows, so it collects seldom, and the batches it let go stayed in memory until then (a
      // 1,000,000-session export's RSS rose 97.5 / 97.6 MB with them kept here, 35.9 / 39.6 MB so).
      const recycled = message.bytes.buffer as ArrayBuffer;
      channel.postMessage({ t: 'written', recycled } satisfies FromWorker, [recycled]);
    } else post({ t: 'written' });
  } catch (error) {
    failed = true;
    const { message: reason, code } = error as NodeJS.ErrnoException;
    post({ t: 'failed', message: String(reason), code });
  }
}

if (data.protocol !== EXPORT_PROTOCOL) {
  failed = true;
  post({ t: 'failed', message: `The export worker speaks protocol ${EXPORT_PROTOCOL}, main ${String(data.protocol)}: the build is out of date (npm run build)` });
}
channel.on('message', receive);
