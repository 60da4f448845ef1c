import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const PREFLIGHT = resolve(__dirname, '../preflight.mjs');
const SUDO = process.getuid?.() === 0 ? '' : 'sudo ';

/** Where `name` is on this machine's PATH (the tests' own tools are there: npm test checked). */
function which(name: string): string {
  const found = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (!found) throw new Error(`${name} is not on PATH`);
  return found;
}

/** Runs the preflight with only the given tools on PATH, never with CI=true unless asked. */
function preflight(bin: string, extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, ...extra };
  if (!('CI' in extra)) delete env.CI;
  return spawnSync(process.execPath, [PREFLIGHT], { env, encoding: 'utf8', timeout: 30_000 });
}

describe('the npm test preflight (test/preflight.mjs, run by "pretest")', () => {
  let dir: TempDir;
  let withoutRedis: string;
  let everything: string;

  beforeAll(async () => {
    dir = await tempDir();
    // A PATH with Java and openssl but no redis-server; and one with all of them.
    withoutRedis = join(dir.path, 'without-redis');
    everything = join(dir.path, 'everything');
    for (const [bin, tools] of [[withoutRedis, ['java', 'openssl']], [everything, ['java', 'openssl', 'redis-server']]] as const) {
      await mkdir(bin);
      for (const tool of tools) await symlink(which(tool), join(bin, tool));
    }
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('stops with one line naming redis-server and the command that installs it, exit 1', () => {
    const result = preflight(withoutRedis);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`npm test needs redis-server: install with: ${SUDO}apt-get install -y redis-server\n`);
  });

  it('names everything that is missing on that one line, with the Debian packages', () => {
    const result = preflight(join(dir.path, 'nothing-here'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`npm test needs redis-server, Java 17, openssl: install with: ${SUDO}apt-get install -y redis-server openjdk-17-jre-headless openssl\n`);
  });

  it('with CI=true but no apt-get to install with, says the same and stops', () => {
    const result = preflight(withoutRedis, { CI: 'true' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(`npm test needs redis-server: install with: ${SUDO}apt-get install -y redis-server`);
  });

  it('names PostgreSQL when its server binaries are neither on PATH nor in /usr/lib/postgresql', () => {
    const result = preflight(everything, { PREFLIGHT_POSTGRES_ROOT: join(dir.path, 'no-postgresql') });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`npm test needs PostgreSQL: install with: ${SUDO}apt-get install -y postgresql\n`);
  });

  it('says nothing and lets the tests run when everything is there', () => {
    const result = preflight(everything);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs from "pretest", after the npm ci check', async () => {
    const pkg = JSON.parse(await readFile(resolve(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.pretest).toMatch(/npm ci .*&& node test\/preflight\.mjs$/);
  });
});
