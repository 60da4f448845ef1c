/**
 * The renderer's Content-Security-Policy: only our own bundled scripts and styles, no inline
 * script, no eval, no network, no plugins, no frames. Sent as a header by main's `app://`
 * handler and written as a <meta> tag into index.html at build time, from this one string.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-src 'none'",
].join('; ');

/** The scheme and host the packaged renderer is served from (`app://warden/index.html`). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'warden';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
