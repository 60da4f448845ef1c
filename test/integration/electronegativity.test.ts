import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const ROOT = resolve(__dirname, '../..');
const RUNNER = join(ROOT, 'test/fixtures/electronegativity-runner.cjs');

interface Finding {
  id: string;
  severity: string;
  confidence: string;
  file: string;
  line: number;
  sample: string;
}
interface ScanResult {
  checks: number;
  issues: Finding[];
  errors: { file: string; message: string; tolerable: boolean }[];
}

/** Runs Electronegativity (its JS API, in a child process with the network refused) on `dir`. */
async function scan(dir: string, electronVersion: string): Promise<ScanResult> {
  const output = join(dir, '..', `${Date.now()}-scan.json`);
  await promisify(execFile)(process.execPath, [RUNNER, dir, electronVersion, output], { env: { ...process.env, LANG: 'en-US' }, timeout: 120_000 });
  return JSON.parse(await readFile(output, 'utf8')) as ScanResult;
}

const blocking = (issues: Finding[]) => issues.filter((i) => i.severity === 'HIGH' || i.severity === 'MEDIUM');

describe('Electronegativity on our sources and the shipped HTML', () => {
  let dir: TempDir;
  let electronVersion: string;

  beforeAll(async () => {
    dir = await tempDir();
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    electronVersion = (pkg.devDependencies.electron ?? '').replace(/^[^\d]*/, '');
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('finds no MEDIUM or HIGH issue outside the reviewed allowlist, and parses every file', async () => {
    // What we wrote, plus the index.html that ships (its CSP is filled in at build time).
    const stage = join(dir.path, 'app');
    for (const folder of ['src-main', 'src-preload', 'src-shared', 'src-renderer']) await cp(join(ROOT, folder), join(stage, folder), { recursive: true });
    await mkdir(join(stage, 'shipped'), { recursive: true });
    await cp(join(ROOT, 'out/renderer/index.html'), join(stage, 'shipped/index.html'));
    const result = await scan(stage, electronVersion);

    // Its CLI exits 0 and drops files it could not parse; here every one must have parsed.
    expect(result.errors).toEqual([]);
    expect(result.checks).toBeGreaterThanOrEqual(40);
    const allowlist = JSON.parse(await readFile(join(ROOT, 'test/electronegativity-allowlist.json'), 'utf8')) as { accepted: { id: string; file: string; reason: string }[] };
    for (const entry of allowlist.accepted) expect(entry.reason.length, `${entry.id}: say why it is accepted`).toBeGreaterThan(40);
    const accepted = (f: Finding) => allowlist.accepted.some((a) => a.id === f.id && a.file === f.file);
    expect(blocking(result.issues).filter((f) => !accepted(f))).toEqual([]);
    // Every allowlist entry still matches a finding: nothing stale stays accepted.
    const stale = allowlist.accepted.filter((a) => !result.issues.some((f) => f.id === a.id && f.file === a.file));
    expect(stale).toEqual([]);
    // The shipped CSP was read and judged (at most LOW).
    expect(result.issues.filter((i) => i.id === 'CSP_GLOBAL_CHECK').map((i) => `${i.severity} ${i.file}`)).toEqual(['LOW shipped/index.html']);
  });

  it('does fail the gate on a window without isolation, sandbox, navigation limits or permission handler', async () => {
    const stage = join(dir.path, 'insecure');
    await mkdir(stage, { recursive: true });
    await writeFile(
      join(stage, 'main.ts'),
      `import { BrowserWindow } from 'electron';\nexport const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n`,
    );
    const result = await scan(stage, electronVersion);
    expect(result.errors).toEqual([]);
    const ids = blocking(result.issues).map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'AUXCLICK_JS_CHECK']));
  });
});
