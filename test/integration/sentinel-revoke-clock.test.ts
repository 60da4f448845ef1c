import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { Ledger } from '../../src-main/ledger/ledger';
import { BlacklistMirror, blacklistRedisClient } from '../../src-main/revocation/blacklist';
import { DurableOutbox } from '../../src-main/revocation/outbox';
import { principalFromArn } from '../../src-main/operator-identity';
import { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { CursorCodec } from '../../src-main/stores/cursor';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { SentinelStore } from '../../src-main/sentinel/sentinel-store';
import { revokeAsSentinelCli, sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';

const MINUTE = 60_000;
const realNow = Date.now.bind(Date);
const nowSeconds = () => Math.floor(realNow() / 1000);

/** A session that ends `offsetSeconds` from now (negative: already over), still `active` in the store. */
function endingIn(offsetSeconds: number) {
  const end = nowSeconds() + offsetSeconds;
  return sentinelItem({ seconds: end - 3600 }, { expires_at: formatRfc3339Nano(end, 0), ttl: end });
}

async function ledgerOutcomes(ledger: Ledger): Promise<string[]> {
  const outcomes: string[] = [];
  for await (const entry of ledger.entries()) if (entry.kind === 'outcome') outcomes.push(`${entry.sessionId}:${entry.outcome ?? ''}`);
  return outcomes;
}

describe('revocation judged by the service clock, with a grace, recognising its own retried write', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const stored = async (id: string) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { id }, ConsistentRead: true }))).Item;

  /** A revoker on the test table over its own client (so its SDK clock offset is its own). */
  const revokerOver = (client: DynamoDBDocumentClient, ledger: Ledger, blacklist?: BlacklistMirror) =>
    new SentinelRevoker({
      client,
      store: new SentinelStore({ client, tableName: table.name, cursors: new CursorCodec(randomBytes(32)) }),
      ledger,
      operator: 'local:analyst',
      connection: 'test',
      ...(blacklist ? { blacklist } : {}),
    });

  it('revokes a session that expired 30 s ago (within the grace) and leaves one 10 min past as expired', async () => {
    // Fetched credentials a minute ago: they live their whole lifetime, past the session's expiry.
    const justOver = { ...endingIn(-30), last_access_at: formatRfc3339Nano(nowSeconds() - 60, 0) };
    const longOver = endingIn(-600);
    await table.put([justOver, longOver]);
    const report = await table.revoker(dir.path).revokeSessions({ ids: [justOver.id, longOver.id], reasonCode: 'credential_compromise' });
    expect(report.results).toEqual([
      { id: justOver.id, user: 'alice', outcome: 'revoked', credentialsUntil: expect.any(String), closedAt: expect.any(String) },
      { id: longOver.id, user: 'alice', outcome: 'expired' },
    ]);
    expect(await stored(justOver.id)).toMatchObject({ status: 'revoked', revoked_by: 'local:tester' });
    expect(await stored(longOver.id)).toEqual(longOver);
    // Not capped by the expiry 30 s ago: 15 minutes after the revocation.
    expect(Date.parse(report.results[0]?.credentialsUntil ?? '')).toBe(Date.parse(String((await stored(justOver.id))?.revoked_at)) + 15 * 60_000);
  });

  it('judges expiry by the offset the SDK measured: a desk clock 10 min fast still revokes a live session', async () => {
    const client = DynamoDBDocumentClient.from(localDynamoClient(inject('dynamoEndpoint')));
    try {
      // Ends in 5 minutes by the service's clock; by the desk's (10 min fast) it ended 5 min ago.
      const live = endingIn(300);
      await table.put([live]);
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 10 * MINUTE);
      // Any answer from DynamoDB (here a read, in the app the session list) lets the SDK measure.
      await client.send(new GetCommand({ TableName: table.name, Key: { id: live.id } }));
      expect(client.config.systemClockOffset).toBeLessThan(-9 * MINUTE);
      expect(client.config.systemClockOffset).toBeGreaterThan(-11 * MINUTE);

      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const report = await revokerOver(client, ledger).revokeSessions({ ids: [live.id], reasonCode: 'security_incident' });
      expect(report.results).toEqual([{ id: live.id, user: 'alice', outcome: 'revoked', credentialsUntil: expect.any(String), closedAt: expect.any(String) }]);
      const item = await stored(live.id);
      expect(item?.status).toBe('revoked');
      // revoked_at is the service's time too, not ten minutes in the future.
      expect(Math.abs(Date.parse(String(item?.revoked_at)) - realNow())).toBeLessThan(MINUTE);
    } finally {
      client.destroy();
    }
  });

  it('and a desk clock 10 min slow does not write revoked on a session that ended 5 min ago', async () => {
    const client = DynamoDBDocumentClient.from(localDynamoClient(inject('dynamoEndpoint')));
    try {
      const over = endingIn(-300);
      await table.put([over]);
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 10 * MINUTE);
      await client.send(new GetCommand({ TableName: table.name, Key: { id: over.id } }));
      expect(client.config.systemClockOffset).toBeGreaterThan(9 * MINUTE);

      const report = await revokerOver(client, new Ledger(join(dir.path, 'ledger.jsonl'))).revokeSessions({ ids: [over.id], reasonCode: 'offboarding' });
      expect(report.results).toEqual([{ id: over.id, user: 'alice', outcome: 'expired' }]);
      expect(await stored(over.id)).toEqual(over);
    } finally {
      client.destroy();
    }
  });

  it('reports revoked, not already_revoked, when the SDK retried an UpdateItem whose first attempt landed', async () => {
    const client = DynamoDBDocumentClient.from(localDynamoClient(inject('dynamoEndpoint')));
    let updates = 0;
    // Below the SDK's retry middleware: the first UpdateItem reaches DynamoDB and is applied, then
    // its answer is lost as a timeout, which the SDK retries with the same request.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UpdateItemCommand') return next(args);
        updates += 1;
        const result = await next(args);
        if (updates === 1) throw Object.assign(new Error('socket timed out after the request was sent'), { name: 'TimeoutError' });
        return result;
      },
      { step: 'deserialize', name: 'loseFirstUpdateAnswer', priority: 'high' },
    );
    try {
      const live = endingIn(3600);
      await table.put([live]);
      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const report = await revokerOver(client, ledger).revokeSessions({ ids: [live.id], reasonCode: 'credential_compromise', ticket: 'INC-9' });
      expect(updates).toBe(2);
      expect(report.results).toEqual([{ id: live.id, user: 'alice', outcome: 'revoked', credentialsUntil: expect.any(String), closedAt: expect.any(String) }]);
      expect(await ledgerOutcomes(ledger)).toEqual([`${live.id}:revoked`]);
      expect(await stored(live.id)).toMatchObject({ status: 'revoked', revoked_reason_code: 'credential_compromise', revoked_ticket: 'INC-9' });

      // Another run of ours (a new mark) finds it revoked before it: already_revoked, as ever.
      const again = await revokerOver(client, ledger).revokeSessions({ ids: [live.id], reasonCode: 'offboarding' });
      expect(again.results).toEqual([{ id: live.id, user: 'alice', outcome: 'already_revoked', credentialsUntil: expect.any(String), closedAt: expect.any(String) }]);
    } finally {
      client.destroy();
    }
  });

  it('takes the blacklist TTL from the item ttl when expires_at cannot be read', async () => {
    const end = nowSeconds() + 5 * 3600;
    const live = sentinelItem({ seconds: nowSeconds() - 60 }, { expires_at: 'tomorrow-ish', ttl: end });
    const earlier = sentinelItem({ seconds: nowSeconds() - 60 }, { expires_at: '2026-13-45T99:00:00Z', ttl: end });
    await table.put([live, earlier]);
    await revokeAsSentinelCli(table, earlier.id, 'bob', 'left the company', nowSeconds());
    const redis = blacklistRedisClient(inject('redisUrl'));
    const mirror = new BlacklistMirror({ redis, outbox: new DurableOutbox(join(dir.path, 'outbox.jsonl')), retryIntervalMs: 200 });
    const check = new Redis(inject('redisUrl'));
    try {
      const report = await table.revoker(dir.path, { blacklist: mirror }).revokeSessions({ ids: [live.id, earlier.id], reasonCode: 'offboarding' });
      expect(report.results).toEqual([
        { id: live.id, user: 'alice', outcome: 'revoked', blacklist: 'written', credentialsUntil: expect.any(String), closedAt: expect.any(String) },
        { id: earlier.id, user: 'alice', outcome: 'already_revoked', blacklist: 'written', credentialsUntil: expect.any(String), closedAt: expect.any(String) },
      ]);
      for (const id of [live.id, earlier.id]) {
        // Five hours (the session's ttl), not the one-hour minimum an unknown expiry gets.
        const ttl = await check.ttl(`revoked:${id}`);
        expect(ttl).toBeGreaterThan(5 * 3600 - 60);
        expect(ttl).toBeLessThanOrEqual(5 * 3600);
      }
    } finally {
      check.disconnect();
      redis.disconnect();
    }
  });

  it('writes the short name as revoked_by and records the full principal in the ledger', async () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/SOCRole/alice';
    const principal = principalFromArn(arn);
    const live = endingIn(3600);
    await table.put([live]);
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const revoker = new SentinelRevoker({ client: table.client, store: table.store(), ledger, operator: 'alice', principal, connection: 'prod' });
    await revoker.revokeSessions({ ids: [live.id], reasonCode: 'security_incident' });
    // Sentinel's tools read the short name, as before.
    expect((await stored(live.id))?.revoked_by).toBe('alice');
    const entries = [];
    for await (const entry of ledger.entries()) entries.push(entry);
    expect(entries.map((e) => [e.kind, e.operator, e.principal])).toEqual([
      ['attempt', 'alice', { type: 'assumed-role', arn, partition: 'aws', account: '123456789012', role: 'SOCRole', callerChosenSessionName: 'alice' }],
      ['outcome', 'alice', { type: 'assumed-role', arn, partition: 'aws', account: '123456789012', role: 'SOCRole', callerChosenSessionName: 'alice' }],
    ]);
    expect(await ledger.verify()).toEqual({ ok: true, verifiedEntries: 2 });
  });
});
