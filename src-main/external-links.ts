/**
 * The only places outside the app a link may open, in the system browser: vendor documentation an
 * error message or help text points to. Everything else (other sites, `http:`, `file:`,
 * `javascript:`, look-alike hosts, URLs with credentials) is refused.
 */
const ALLOWED: readonly { host: string; pathPrefix: string }[] = [
  { host: 'docs.aws.amazon.com', pathPrefix: '/' },
  { host: 'redis.io', pathPrefix: '/docs/' },
  { host: 'www.electronjs.org', pathPrefix: '/docs/' },
];

/** True when `url` may be handed to the system browser (`shell.openExternal`). */
export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return false;
  return ALLOWED.some((entry) => parsed.hostname === entry.host && parsed.pathname.startsWith(entry.pathPrefix));
}
