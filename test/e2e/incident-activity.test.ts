import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSessionJson } from '../fixtures/web-sessions';
import { startPeopleStores, type PeopleStores } from '../integration/people-stores';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

/** Three stores, Chromium and the app on 2 busy cores: waits are generous. */
const WAIT = { timeout: 30_000 };

/**
 * Activity after revocation in the incident view, in Chromium over the app's handler table on
 * three real stores: with the Sentinel connection active, the web app keeps accepting a session
 * incident mode revoked quietly in its Redis (and its PostgreSQL): the view says so, in words and
 * a glyph, in red, per connection; a stopped store says it could not be checked.
 */
describe('incident view: activity after revocation on every connection, Chromium', () => {
  let browser: Browser;
  let server: RendererServer;
  let stores: PeopleStores;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stores = await startPeopleStores({ timeoutMs: 6_000, watchPeriodMs: 3_600_000 });
    [browser, server] = await Promise.all([launchChromium(), serveBuiltRenderer()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await stores?.close();
  });


  async function openIncident(page: Page, incident: string) {
    await page.getByRole('button', { name: 'Find a person', exact: true }).click();
    await page.getByRole('navigation', { name: 'Pinned incidents' }).getByRole('button', { name: incident, exact: true }).click();
    const view = page.locator('[data-testid="incident-view"][data-state="ready"]');
    await view.waitFor(WAIT);
    return view;
  }

  const check = (page: Page, name: string) => page.locator(`[data-testid="incident-activity-check"][data-connection="${name}"]`);

  it('shows the web session used after a quiet revocation: connection, session, when, client, in words and a red glyph; Refresh finds new use (light)', async () => {
    const seed = await stores.revokeEverywhere('nora', 'INC-7001');
    const web = seed.web.live[0] as WebSessionJson;
    await stores.webRequest(web.id);
    await stores.db.admin.query('update sessions set last_active_at = now() where id = $1', [seed.postgres.live[0]?.id]);

    const app = await openApp(browser, server, stores.manager);
    const { page } = app;
    const view = await openIncident(page, 'INC-7001');
    await expect(view.getByTestId('incident-verdict').textContent()).resolves.toBe('7 sessions revoked; nothing live; 2 alarms of activity after revocation.');
    const alarms = view.getByTestId('incident-alarms');
    await expect(alarms.getAttribute('role')).resolves.toBe('alert');
    await expect(view.getByRole('heading', { name: /Used after revocation/ }).textContent()).resolves.toBe('⚠ Used after revocation: 2 alarms on 2 sessions');
    const webRow = alarms.locator('[data-testid="incident-alarm"][data-connection="web-redis"]');
    await expect(webRow.count()).resolves.toBe(1);
    const cells = await webRow.locator('td').allTextContents();
    expect(cells[0]).toBe('⚠ web-redis');
    expect(cells[1]).toBe(`${web.id}of u-nora`);
    expect(cells[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(cells[3]).toBe(`203.0.113.7 (${web.userAgent})`);
    expect(cells[4]).toMatch(/^activity after revocation from 203\.0\.113\.7 .*\(recorded \d{4}-/);
    await expect(alarms.locator('[data-testid="incident-alarm"][data-connection="shop-db"]').count()).resolves.toBe(1);
    // Per connection, in words and a glyph: the web Redis and PostgreSQL alarmed, the active Sentinel read back quiet.
    await expect(check(page, 'web-redis').textContent()).resolves.toMatch(/^⚠ web-redis: used after revocation: 1 alarm \(1 new\); 2 revoked sessions read back at /);
    await expect(check(page, 'shop-db').textContent()).resolves.toMatch(/^⚠ shop-db: used after revocation: 1 alarm/);
    await expect(check(page, 'sentinel-prod').textContent()).resolves.toMatch(/^✓ sentinel-prod: no use after revocation seen; 2 revoked sessions read back at /);
    // Red, and not by colour alone: the glyph and the words above carry it too.
    const red = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--revoked').trim());
    const colourOf = (selector: string) => page.locator(selector).first().evaluate((e) => getComputedStyle(e).color);
    const probe = await page.evaluate((c) => {
      const e = document.createElement('span');
      e.style.color = c;
      document.body.append(e);
      const rgb = getComputedStyle(e).color;
      e.remove();
      return rgb;
    }, red);
    await expect(colourOf('#incident-activity-title')).resolves.toBe(probe);
    await expect(colourOf('[data-testid="incident-activity-check"][data-connection="web-redis"]')).resolves.toBe(probe);
    await page.screenshot({ path: join(SCREENSHOTS, 'incident-activity-light.png'), fullPage: true });
    expect(await seriousViolations(page, 'incident activity')).toEqual([]);

    // Used again while the view is open: the view's refresh (as its 30 s refetch does) reads it and shows the new alarm.
    await stores.webRequest(web.id);
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    await expect.poll(() => alarms.locator('[data-testid="incident-alarm"][data-connection="web-redis"]').count(), WAIT).toBe(2);
    await expect(view.getByRole('heading', { name: /Used after revocation/ }).textContent()).resolves.toBe('⚠ Used after revocation: 3 alarms on 2 sessions');
    expect(app.problems).toEqual([]);
    await app.close();
  }, 150_000);

  it('a stopped web Redis says it could not be checked, not "no activity"; the others still are (dark)', async () => {
    await stores.revokeEverywhere('otto', 'INC-7002');
    await stores.stopRedis();
    try {
      const app = await openApp(browser, server, stores.manager, { colorScheme: 'dark' });
      const { page } = app;
      const view = await openIncident(page, 'INC-7002');
      await expect(check(page, 'web-redis').getAttribute('data-state')).resolves.toBe('unreachable');
      await expect(check(page, 'web-redis').textContent()).resolves.toMatch(/^✕ web-redis: not known: could not be read, so use after revocation cannot be ruled out there \(.+\)\.$/);
      await expect(check(page, 'shop-db').textContent()).resolves.toMatch(/^✓ shop-db: no use after revocation seen; 3 revoked sessions read back/);
      await expect(view.getByTestId('incident-verdict').textContent()).resolves.toBe('7 sessions revoked; nothing live; activity after revocation not known in 1 connection; 1 connection not known now.');
      await expect(view.getByTestId('incident-alarms').count()).resolves.toBe(0);
      await page.screenshot({ path: join(SCREENSHOTS, 'incident-activity-unreachable-dark.png'), fullPage: true });
      expect(await seriousViolations(page, 'incident activity, unreachable (dark)')).toEqual([]);
      expect(app.problems).toEqual([]);
      await app.close();
    } finally {
      await stores.restartRedis();
    }
  }, 150_000);

  it('the alarm in dark', async () => {
    const seed = await stores.revokeEverywhere('pia', 'INC-7003');
    await stores.webRequest(seed.web.live[1]?.id ?? '');
    const app = await openApp(browser, server, stores.manager, { colorScheme: 'dark' });
    const { page } = app;
    const view = await openIncident(page, 'INC-7003');
    await expect(view.getByTestId('incident-alarm').count()).resolves.toBe(1);
    await expect(check(page, 'web-redis').textContent()).resolves.toMatch(/^⚠ web-redis: used after revocation: 1 alarm/);
    await page.screenshot({ path: join(SCREENSHOTS, 'incident-activity-dark.png'), fullPage: true });
    expect(await seriousViolations(page, 'incident activity (dark)')).toEqual([]);
    expect(app.problems).toEqual([]);
    await app.close();
  }, 150_000);
});
