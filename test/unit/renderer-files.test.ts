import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRendererFile } from '../../src-main/renderer-files';

describe('app:// file resolution', () => {
  const root = resolve('/opt/warden/out/renderer');

  it('serves files of the built renderer with their type', () => {
    expect(resolveRendererFile(root, 'app://warden/index.html')).toEqual({ path: join(root, 'index.html'), type: 'text/html; charset=utf-8' });
    expect(resolveRendererFile(root, 'app://warden/')?.path).toBe(join(root, 'index.html'));
    expect(resolveRendererFile(root, 'app://warden/assets/index-x.js')?.type).toMatch(/javascript/);
  });

  it.each(['app://warden/../main/index.js', 'app://warden/%2e%2e/main/index.js'])(
    'keeps %s inside the renderer folder (the URL parser folds the dots away)',
    (url) => {
      expect(resolveRendererFile(root, url)?.path).toBe(join(root, 'main/index.js'));
    },
  );

  it.each([
    'app://warden/assets/..%2f..%2f..%2fetc/passwd',
    'app://warden/%00index.html',
    'app://evil/index.html',
    'app://warden/%E0%A4%A',
    'app://warden/notes.txt',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveRendererFile(root, url)).toBeNull();
  });
});

/** `import … from '…'` and `export … from '…'` of a file, with whether the statement is for types only. */
function importsOf(source: string): { from: string; typeOnly: boolean }[] {
  const found: { from: string; typeOnly: boolean }[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'/g)) {
    const names = m[2] ?? '';
    // `import { type A, type B } from` is as type-only as `import type { A, B } from`.
    const inlineTypes = /^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type'));
    found.push({ from: m[3] ?? '', typeOnly: m[1] !== undefined || inlineTypes });
  }
  for (const m of source.matchAll(/^import\s+'([^']+)'/gm)) found.push({ from: m[1] ?? '', typeOnly: false });
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

const ROOT = resolve(__dirname, '../..');
const SHARED = join(ROOT, 'src-shared');

/** src-shared modules that bring zod at run time, directly or through another src-shared module. */
function schemaModules(): Set<string> {
  const graph = new Map(
    sourceFiles(SHARED).map((file) => {
      const imports = importsOf(readFileSync(file, 'utf8')).filter((i) => !i.typeOnly);
      return [file, { zod: imports.some((i) => i.from === 'zod'), deps: imports.filter((i) => i.from.startsWith('.')).map((i) => `${resolve(dirname(file), i.from)}.ts`) }] as const;
    }),
  );
  const bearing = new Set([...graph].filter(([, n]) => n.zod).map(([file]) => file));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [file, node] of graph) {
      if (!bearing.has(file) && node.deps.some((d) => bearing.has(d))) grew = bearing.add(file) !== undefined;
    }
  }
  return bearing;
}

describe('renderer source files', () => {
  it('import a src-shared module with schemas (zod) for its types only: the CSP refuses zod compiled at run time', () => {
    const bearing = schemaModules();
    expect(bearing.has(join(SHARED, 'contract.ts'))).toBe(true);
    expect(bearing.has(join(SHARED, 'store-capabilities.ts'))).toBe(true);
    const offending = sourceFiles(join(ROOT, 'src-renderer/src')).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((i) => !i.typeOnly && (i.from === 'zod' || (i.from.startsWith('.') && bearing.has(`${resolve(dirname(file), i.from)}.ts`))))
        .map((i) => `${relative(ROOT, file)} imports ${i.from}`),
    );
    expect(offending).toEqual([]);
  });
});
