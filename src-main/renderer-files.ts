import { extname, resolve, sep } from 'node:path';
import { APP_HOST } from '../src-shared/csp';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * Maps an `app://warden/...` request to a file inside the built renderer, or null. Refuses other
 * hosts, path traversal (also when percent-encoded) and file types we do not ship.
 */
export function resolveRendererFile(rendererDir: string, requestUrl: string): { path: string; type: string } | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const root = resolve(rendererDir);
  const path = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  if (!path.startsWith(root + sep)) return null;
  const type = TYPES[extname(path)];
  return type ? { path, type } : null;
}
