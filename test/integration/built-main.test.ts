import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src-shared/contract';
import { CONTENT_SECURITY_POLICY } from '../../src-shared/csp';

const ROOT = resolve(__dirname, '../..');
const MAIN = resolve(ROOT, 'out/main/index.js');

/** Runs the built main bundle under Node with a recording stand-in for `electron`. */
function runBuiltMain(env: Record<string, string> = {}): Promise<{ report: Record<string, unknown>; stderr: string; code: number | null }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--require', resolve(ROOT, 'test/fixtures/fake-electron.cjs'), MAIN], {
      cwd: ROOT,
      env: { ...withoutRendererUrl(process.env), WARDEN_SMOKE_DATA_DIR: mkdtempSync(join(tmpdir(), 'warden-smoke-')), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('SMOKE-REPORT '));
      if (!line) return fail(new Error(`the built main printed no report (exit ${code}):\n${stdout}\n${stderr}`));
      done({ report: JSON.parse(line.slice('SMOKE-REPORT '.length)), stderr, code });
    });
  });
}

function withoutRendererUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.ELECTRON_RENDERER_URL;
  return copy;
}

describe('the built main bundle (out/main/index.js) starts the app on the demo store', () => {
  it('wires scheme, sandbox, window, IPC and demo store exactly as the packaged app will', async () => {
    if (!existsSync(MAIN)) throw new Error('out/main/index.js is missing: run `npm run build` first (npm test does).');
    const { report, code } = await runBuiltMain();
    expect(code).toBe(0);
    expect(report.sandboxEnabled).toBe(true);
    expect(report.permissionsDenied).toBe(true);
    expect(report.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    const [window] = report.windows as { url: string; options: { webPreferences: Record<string, unknown> } }[];
    expect(window?.url).toBe('app://warden/index.html');
    expect(window?.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, devTools: false });
    expect(String(window?.options.webPreferences.preload)).toBe(resolve(ROOT, 'out/preload/index.cjs'));
    expect(existsSync(String(window?.options.webPreferences.preload))).toBe(true);
    expect(report.channels).toEqual([...CHANNELS].sort());
    expect(report.info).toMatchObject({ ok: true, value: { connection: { kind: 'demo', environment: 'demo' } } });
    const query = report.query as { ok: boolean; value: { sessions: unknown[]; nextCursor?: string } };
    expect(query.ok).toBe(true);
    expect(query.value.sessions).toHaveLength(5);
    expect(query.value.nextCursor).toEqual(expect.any(String));
    expect(report.forbidden).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(report.index).toMatchObject({ status: 200, csp: CONTENT_SECURITY_POLICY });
    expect((report.index as { body: string }).body).toContain('<div id="root"></div>');
    expect(report.traversal).toBe(404);
  });

  it('ignores ELECTRON_RENDERER_URL once packaged: the window cannot be pointed elsewhere', async () => {
    const { report } = await runBuiltMain({ ELECTRON_RENDERER_URL: 'https://evil.example/' });
    const [window] = report.windows as { url: string; options: { webPreferences: Record<string, unknown> } }[];
    expect(window?.url).toBe('app://warden/index.html');
    expect(window?.options.webPreferences.devTools).toBe(false);
  });

  it('quits at once when another instance holds the single-instance lock: no window, no handlers, no store opened', async () => {
    const { report, stderr } = await runBuiltMain({ WARDEN_SMOKE_SECOND_INSTANCE: '1' });
    expect(report.quit).toBe(true);
    expect(report.windows).toEqual([]);
    expect(report.channels).toEqual([]);
    expect(report.info).toBeUndefined();
    expect(stderr).toContain('already running');
  });
});

describe('the built command line (out/main/cli.js)', () => {
  it('stays executable after every build, so a `session-warden` installed with npm link keeps working', () => {
    const cli = resolve(ROOT, 'out/main/cli.js');
    if (!existsSync(cli)) throw new Error('out/main/cli.js is missing: run `npm run build` first (npm test does).');
    expect((statSync(cli).mode & 0o777).toString(8)).toBe('755');
    // Run as npm link's symlink runs it: by itself, through its shebang.
    expect(execFileSync(cli, ['--help'], { encoding: 'utf8' })).toMatch(/^Usage: session-warden/);
  });
});
