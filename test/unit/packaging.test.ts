import { readFileSync } from 'node:fs';
import { chmod, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executableCli } from '../../electron.vite.config';
import { tempDir } from '../fixtures/temp-dir';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('packaging (electron-builder config in package.json)', () => {
  it('is valid for electron-builder itself', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(pkg.build, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds AppImage and deb, dmg, and nsis, with our icon', () => {
    expect(pkg.build.linux.target).toEqual(['AppImage', 'deb']);
    expect(pkg.build.mac.target).toEqual(['dmg']);
    expect(pkg.build.win.target).toEqual(['nsis']);
    expect(pkg.build.icon).toBe('resources/icon.png');
    const png = readFileSync(new URL('../../resources/icon.png', import.meta.url));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // width; mac and Windows need 512+
  });

  it('sets the Electron fuses that close the usual backdoors', () => {
    expect(pkg.build.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('ships only the build output, and the runtime dependencies main needs', () => {
    expect(pkg.build.files).toEqual(['out/**/*', 'package.json']);
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-iam', '@aws-sdk/client-sts', '@aws-sdk/lib-dynamodb', '@smithy/shared-ini-file-loader', 'csv-stringify', 'dynalite', 'ioredis', 'pg', 'pg-copy-streams', 'pgpass', 'zod']);
  });

  it('pins an Electron whose package runs no install script', () => {
    const electron = require('electron/package.json');
    expect(electron.scripts?.postinstall).toBeUndefined();
    expect(pkg.devDependencies.electron).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('the session-warden command (package.json "bin")', () => {
  it('is out/main/cli.js, which the build leaves executable every time it rewrites it', async () => {
    expect(pkg.bin).toEqual({ 'session-warden': 'out/main/cli.js' });
    const dir = await tempDir();
    try {
      // As a rebuild leaves it: rewritten with the default mode, no executable bit.
      const cli = join(dir.path, 'cli.js');
      await writeFile(cli, '#!/usr/bin/env node\n');
      await chmod(cli, 0o644);
      const bundle = { 'cli.js': { type: 'chunk', name: 'cli', isEntry: true, fileName: 'cli.js' } };
      const plugin = executableCli();
      const hook = plugin.writeBundle;
      const handler = typeof hook === 'function' ? hook : hook?.handler;
      if (!handler) throw new Error('the plugin has no writeBundle hook');
      await handler.call({} as never, { dir: dir.path } as never, bundle as never);
      expect(((await stat(cli)).mode & 0o777).toString(8)).toBe('755');
    } finally {
      await dir.remove();
    }
  });
});
