import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeopleFindResponse, PeopleRevokeResponse } from '../../src-shared/people';
import { storedRow } from '../fixtures/postgres-sessions';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { revocationState, webSession, writeWebSessions } from '../fixtures/web-sessions';
import { startPeopleStores, type PeopleStores } from './people-stores';

/**
 * `session-warden people find|revoke`, the built command line spawned as an operator runs it, over
 * the app's saved connections (a Sentinel table on DynamoDB Local, a web Redis, PostgreSQL) in its
 * data directory, with the exit codes a script relies on.
 */
describe('session-warden people', () => {
  let stores: PeopleStores;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    stores = await startPeopleStores({ timeoutMs: 5_000, dataDirName: 'Session Warden' });
    // The app sealed the PostgreSQL password with its keyring: the command line takes it from PGPASSWORD.
    env = isolatedEnv({ XDG_CONFIG_HOME: stores.dir.path, PGPASSWORD: stores.pg.password });
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  const people = (...args: string[]) => runCli(['people', ...args], env);
  const liveCounts = async (person: string) => {
    const found = await people('find', person, '--output', 'json');
    return Object.fromEntries((JSON.parse(found.stdout) as PeopleFindResponse).groups.map((g) => [g.connection.name, g.counts.active]));
  };

  it('finds a person in every saved connection, with counts per connection; json is the app\'s answer', async () => {
    await stores.seedAlice('alice');
    const table = await people('find', 'alice@corp.example');
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/sentinel-prod\s+production\s+found\s+user alice\s+2\s+1\s+1/);
    expect(table.stdout).toMatch(/web-redis\s+staging\s+found\s+email alice@corp\.example\s+2\s+0\s+0/);
    expect(table.stdout).toMatch(/shop-db\s+staging\s+found\s+email alice@corp\.example\s+3\s+1\s+0/);
    const json = await people('find', 'alice@corp.example', '--connections', 'web-redis,shop-db', '--output', 'json');
    expect(json.code).toBe(0);
    const found = JSON.parse(json.stdout) as PeopleFindResponse;
    expect(found.groups.map((g) => [g.connection.name, g.counts])).toEqual([
      ['web-redis', { active: 2, revoked: 0, expired: 0 }],
      ['shop-db', { active: 3, revoked: 1, expired: 0 }],
    ]);
  });

  it('revokes every live session of a person with more than a search lists (520 in Redis): all of them, exit 0', async () => {
    const now = Date.now();
    const many = Array.from({ length: 520 }, () => webSession('u-mona', now, { fields: { email: 'mona@corp.example' } }));
    await writeWebSessions(stores.redisClient(), many, now);
    const revoked = await people('revoke', 'mona@corp.example', '--connections', 'web-redis', '--reason', 'offboarding', '--output', 'json');
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    const report = JSON.parse(revoked.stdout) as PeopleRevokeResponse;
    expect(report.groups[0]?.results.length).toBe(520);
    expect(report.groups[0]?.results.every((r) => r.outcome === 'revoked' && r.user === 'mona@corp.example')).toBe(true);
    expect((await liveCounts('mona@corp.example'))['web-redis']).toBe(0);
  });

  it('exit 1 when a connection cannot name the person typed; exit 2 for an unknown connection or a bad person', async () => {
    const login = await people('find', 'alice');
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/"web-redis" not searched: .*e-mail/);
    expect(login.stdout).toMatch(/sentinel-prod\s+production\s+found/);
    const unknown = await people('find', 'alice@corp.example', '--connections', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no saved connection named "nope" \(known: sentinel-prod, web-redis, shop-db\)/);
    expect((await people('find', 'alice smith')).code).toBe(2);
    expect((await people('revoke', 'alice@corp.example', '--reason', 'offboarding')).code).toBe(2);
  });

  it('exit 3 naming the connection that could not be reached; the others are still printed', async () => {
    await stores.stopRedis();
    try {
      const found = await people('find', 'alice@corp.example');
      expect(found.code).toBe(3);
      expect(found.stderr).toMatch(/"web-redis" unreachable: /);
      expect(found.stdout).toMatch(/shop-db\s+staging\s+found/);
      expect(found.stdout).toMatch(/sentinel-prod\s+production\s+found/);
    } finally {
      await stores.restartRedis();
    }
  });

  it('revokes everywhere with --yes for production (refused without it, nothing written), recorded on the incident', async () => {
    const seed = await stores.seedAlice('ivan');
    const person = 'ivan@corp.example';
    const args = ['revoke', person, '--connections', 'sentinel-prod,web-redis,shop-db', '--reason', 'credential_compromise', '--ticket', 'SEC-1', '--incident', 'INC-9'];
    const dry = await people(...args, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Dry run: nothing was revoked/);
    const unconfirmed = await people(...args);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/production connection "sentinel-prod" \(2 live\): confirm with --yes/);
    expect(await liveCounts(person)).toEqual({ 'sentinel-prod': 2, 'web-redis': 2, 'shop-db': 3 });

    const revoked = await people(...args, '--yes');
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/for incident INC-9/);
    expect(await liveCounts(person)).toEqual({ 'sentinel-prod': 0, 'web-redis': 0, 'shop-db': 0 });
    const web = stores.redisClient();
    for (const s of seed.web.live) expect(await revocationState(web, s)).toBe('revoked');
    for (const s of seed.postgres.live) expect((await storedRow(stores.db.admin, s.id)).revoked).toBe(true);
    const incidents = JSON.parse(await readFile(join(stores.dataDir, 'incidents.json'), 'utf8')) as { incidents: { incident: string; person: string; runs: unknown[] }[] };
    expect(incidents.incidents.find((i) => i.incident === 'INC-9')).toMatchObject({ person, runs: [{}, {}, {}] });
  });

  it('exit 3 naming the store down during the revocation, the others revoked; running it again completes it', async () => {
    const seed = await stores.seedAlice('judy');
    const person = 'judy@corp.example';
    const args = ['revoke', person, '--connections', 'web-redis,shop-db', '--reason', 'offboarding'];
    // Searched while up, down when it is written to: a gated run is not possible from outside, so
    // the store is stopped between a dry run and the revocation, which searches again (unreachable).
    await stores.stopRedis();
    let first;
    try {
      first = await people(...args);
    } finally {
      await stores.restartRedis();
    }
    expect(first.code).toBe(3);
    expect(first.stderr).toMatch(/"web-redis" unreachable/);
    expect(await liveCounts(person)).toMatchObject({ 'shop-db': 0 });
    await writeWebSessions(stores.redisClient(), seed.web.live, Date.now());
    const again = await people(...args);
    expect(again.code).toBe(0);
    expect(await liveCounts(person)).toMatchObject({ 'web-redis': 0, 'shop-db': 0 });
  });
});
