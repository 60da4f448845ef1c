import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-properties').map((m) => m.message);
}

describe('import boundaries are enforced by lint (STYLE.md 1)', () => {
  it.each([
    ['src-shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['src-shared/x.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['src-shared/x.ts', "import { SentinelStore } from '../src-main/sentinel/sentinel-store';\nexport const x = SentinelStore;\n"],
    ['src-renderer/src/x.ts', "import { SentinelStore } from '../../src-main/sentinel/sentinel-store';\nexport const x = SentinelStore;\n"],
    ['src-renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n"],
    ['src-renderer/src/x.ts', "import { join } from 'node:path';\nexport const x = join;\n"],
    ['src-renderer/src/features/x.ts', 'export const x = () => window.warden;\n'],
    ['src-main/sentinel/x.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['src-main/x.ts', "import { AppShell } from '../src-renderer/src/app/app-shell';\nexport const x = AppShell;\n"],
    ['src-preload/x.ts', "import { SentinelStore } from '../src-main/sentinel/sentinel-store';\nexport const x = SentinelStore;\n"],
  ])('refuses in %s: %s', async (file, code) => {
    expect(await importErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['src-main/window.ts', "import { BrowserWindow } from 'electron';\nexport const x = BrowserWindow;\n"],
    ['src-main/sentinel/x.ts', "import { createHmac } from 'node:crypto';\nexport const x = createHmac;\n"],
    ['src-renderer/src/x.ts', "import type { Session } from '../../src-shared/session';\nexport type X = Session;\n"],
    ['src-renderer/src/api/x.ts', 'export const x = () => window.warden;\n'],
  ])('allows in %s: %s', async (file, code) => {
    expect(await importErrors(file, code)).toEqual([]);
  });
});
