import { join, resolve } from 'node:path';
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
