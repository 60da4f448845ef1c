import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src-shared/csp';
import type { Workspace } from '../../src-main/workspace';
import { openApp, withDemoEnvironment, type RendererServer } from './harness';

describe('the Content-Security-Policy, in Chromium', () => {
  let browser: Browser;
  let server: RendererServer;
  let workspace: Workspace;
  withDemoEnvironment((env) => ({ browser, server, workspace } = env));

  it('is written into the built index.html from the one policy in src-shared', () => {
    const html = readFileSync(resolve(__dirname, '../../out/renderer/index.html'), 'utf8').replaceAll('&#39;', "'");
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script in our own page
  });

  it('blocks an injected inline script and eval, and the violations are observed', async () => {
    const app = await openApp(browser, server, workspace.handlers);
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __violations: string[] }).__violations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.body.append(script);
    });
    // String code compiled by the page itself (DevTools' own evaluation is exempt from CSP).
    await page.evaluate(() => {
      const later = setTimeout as unknown as (code: string, ms: number) => number;
      later('window.__evaluated = true', 0);
    });
    await expect.poll(() => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^script-src(-elem)? inline$/), expect.stringMatching(/^script-src eval$/)]),
    );
    const flags = await page.evaluate(() => {
      const w = window as unknown as { __injected?: boolean; __evaluated?: boolean };
      return [w.__injected, w.__evaluated];
    });
    expect(flags).toEqual([undefined, undefined]);
    await app.close();
  });
});

describe('the test bridge hands main what Electron would (structured clone), in Chromium', () => {
  let browser: Browser;
  let server: RendererServer;
  let workspace: Workspace;
  withDemoEnvironment((env) => ({ browser, server, workspace } = env));

  it('a Date, a key set to undefined or NaN reach the contract as they are (refused), a function is not cloned; a plain request is answered', async () => {
    const app = await openApp(browser, server, workspace.handlers);
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    const answers = await page.evaluate(async () => {
      const query = (window as unknown as { warden: { sessions: { query: (r: unknown) => Promise<{ ok: boolean; error?: { code: string } }> } } }).warden.sessions.query;
      const code = async (request: unknown) => {
        try {
          const result = await query(request);
          return result.ok ? 'ok' : (result.error?.code ?? 'error');
        } catch (error) {
          return (error as Error).name;
        }
      };
      return {
        plain: await code({ status: 'active', limit: 5 }),
        date: await code({ status: 'active', limit: 5, since: new Date() }),
        undefinedKey: await code({ status: 'active', limit: 5, somethingElse: undefined }),
        nan: await code({ status: 'active', limit: Number.NaN }),
        fn: await code({ status: 'active', limit: 5, then: () => 1 }),
      };
    });
    // Through JSON text, the Date would arrive as a string, the undefined key dropped and NaN null.
    expect(answers).toEqual({ plain: 'ok', date: 'VALIDATION', undefinedKey: 'VALIDATION', nan: 'VALIDATION', fn: 'DataCloneError' });
    await app.close();
  });
});
