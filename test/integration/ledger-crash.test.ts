import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, type TornTailReport } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { bundleForNode } from '../fixtures/node-bundle';
import { runCli } from '../fixtures/run-cli';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const WRITERS = 4;
const PER_WRITER = 45;
/** Killed with SIGKILL at a random moment (inside the lock or mid-write, or not). */
const KILLED = 1;
/** Killed for certain while holding the lock, half a line written (see ledger-writer.ts). */
const TORN = 2;

interface Writer {
  child: ChildProcess;
  acked: string[];
  recovered: TornTailReport[];
  done: boolean;
  closed: Promise<void>;
}

/** Starts a ledger-writer process and follows its ACK / RECOVERED / DONE lines. */
function startWriter(script: string, args: string[], onLine: (writer: Writer, line: string) => void): Writer {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writer: Writer = { child, acked: [], recovered: [], done: false, closed: new Promise((r) => child.once('close', () => r())) };
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('ACK ')) writer.acked.push(line.slice(4));
      else if (line.startsWith('RECOVERED ')) writer.recovered.push(JSON.parse(line.slice(10)) as TornTailReport);
      else if (line === 'DONE') writer.done = true;
      onLine(writer, line);
    }
  });
  child.stderr?.resume();
  return writer;
}

function record(note: string): LedgerRecord {
  return {
    kind: 'outcome',
    time: new Date().toISOString(),
    operator: 'local:app',
    connection: 'crash-test',
    run: 'app',
    sessionId: 'fedcba9876543210',
    user: 'bob',
    reasonCode: 'other',
    note,
    outcome: 'revoked',
  };
}

describe('one ledger, written by several processes at once, some killed mid-run', () => {
  let script: string;
  let dir: TempDir;
  let writers: Writer[] = [];
  beforeAll(async () => {
    script = await bundleForNode(resolve(__dirname, '../fixtures/ledger-writer.ts'));
  });
  afterAll(() => rm(dirname(script), { recursive: true, force: true }));
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    // A failed run must not leave writers behind.
    for (const w of writers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(writers.map((w) => w.closed));
    writers = [];
    await dir.remove();
  });

  it('keeps a chain that verifies and every acknowledged entry, and never shows BROKEN meanwhile', async () => {
    const path = join(dir.path, 'ledger.jsonl');
    // Killed well before its last entry: appends are acknowledged at the data fsync, so a writer
    // may get through a few more in the moment the signal takes.
    const killAfter = 5 + Math.floor(Math.random() * 15);
    writers = Array.from({ length: WRITERS }, (_, i) =>
      startWriter(script, [path, `w${i}`, String(PER_WRITER), ...(i === TORN ? ['12'] : [])], (writer, line) => {
        if (line === 'TORN') writer.child.kill('SIGKILL');
        if (i === KILLED && writer.acked.length === killAfter && line.startsWith('ACK ')) setTimeout(() => writer.child.kill('SIGKILL'), Math.random() * 5);
      }),
    );
    const recovered: TornTailReport[] = [];
    const app = new Ledger(path, { onRecover: (report) => recovered.push(report) });
    const appAcked: string[] = [];
    let running = true;
    const appWrites = (async () => {
      for (let i = 0; i < 40; i += 1) {
        await app.append([record(`app-${i}`)]);
        appAcked.push(`app-${i}`);
      }
    })();
    // The command line's verify, run again and again while everyone appends: never a false BROKEN.
    const cliReports: { ok: boolean; reason?: string }[] = [];
    const cliVerifies = (async () => {
      while (running) {
        const result = await runCli(['ledger', 'verify', '--ledger', path, '--output', 'json']);
        cliReports.push(result.stdout.trim() ? (JSON.parse(result.stdout) as { ok: boolean }) : { ok: false, reason: result.stderr });
      }
    })();
    const appReports: { ok: boolean }[] = [];
    const allClosed = Promise.all(writers.map((w) => w.closed)).then(() => appWrites);
    let finished = false;
    void allClosed.catch(() => undefined).finally(() => (finished = true));
    while (!finished) appReports.push(await app.verify());
    await allClosed;
    // The torn line is cut by the next append: one more, in case the tear came after everyone else's last.
    await app.append([record('app-last')]);
    appAcked.push('app-last');
    running = false;
    await cliVerifies;

    const final = await app.verify();
    const notes: (string | undefined)[] = [];
    for await (const entry of app.entries()) notes.push(entry.note);
    const acked = [...writers.flatMap((w) => w.acked), ...appAcked];
    const sidecars = (await readdir(dir.path)).filter((f) => f.includes('.torn-'));
    const torn = await Promise.all(sidecars.map((f) => readFile(join(dir.path, f), 'utf8')));

    expect(final).toEqual({ ok: true, verifiedEntries: notes.length });
    expect(acked.filter((id) => !notes.includes(id))).toEqual([]);
    expect(new Set(notes).size).toBe(notes.length);
    expect(appReports.filter((r) => !r.ok)).toEqual([]);
    expect(cliReports.length).toBeGreaterThan(0);
    expect(cliReports.filter((r) => !r.ok)).toEqual([]);
    // Those not killed finished; those killed stopped short; a cut never held an acknowledged entry.
    expect(writers.map((w) => ({ done: w.done, acked: w.acked.length }))).toEqual(
      writers.map((_, i) => (i === KILLED ? { done: false, acked: expect.any(Number) } : i === TORN ? { done: false, acked: 12 } : { done: true, acked: PER_WRITER })),
    );
    expect(torn.filter((text) => acked.some((id) => text.includes(`"note":"${id}"`)))).toEqual([]);
    expect(torn.filter((text) => text.includes('torn-by-w2'))).toHaveLength(1);
    expect([...recovered, ...writers.flatMap((w) => w.recovered)].map((r) => r.keptIn).sort()).toEqual(sidecars.map((f) => join(dir.path, f)).sort());
    expect(await readdir(dir.path)).not.toContain('ledger.jsonl.lock');
  });
});
