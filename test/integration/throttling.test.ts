import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { Ledger } from '../../src-main/ledger/ledger';
import { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { CursorCodec } from '../../src-main/stores/cursor';
import { SentinelStore } from '../../src-main/sentinel/sentinel-store';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';

/** DynamoDB Local never throttles: these errors are thrown from SDK middleware, inside its retry loop. */
function injectingClient(endpoint: string, failAttempt: (attempt: number, id: string) => Error | null) {
  const base = localDynamoClient(endpoint);
  const attempts = new Map<string, number>();
  base.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand') {
        const id = String((args.input as { Key?: { id?: { S?: string } } }).Key?.id?.S);
        const attempt = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, attempt);
        const error = failAttempt(attempt, id);
        if (error) throw error;
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'injectFailures' },
  );
  return { client: DynamoDBDocumentClient.from(base), attempts };
}

function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(`injected ${name}`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

describe('throttled and failing writes', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = () => Math.floor(Date.now() / 1000);

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });

  const revokerWith = (client: DynamoDBDocumentClient, ledger: Ledger) =>
    new SentinelRevoker({ client, store: table.store(), ledger, operator: 'local:t', connection: 'test' });
  const status = async (id: string) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { id }, ConsistentRead: true }))).Item?.status;

  it('retries throttling within the pinned 3 attempts and then succeeds', async () => {
    const sessions = Array.from({ length: 4 }, (_, i) => sentinelItem({ seconds: now() - 10 - i }));
    await table.put(sessions);
    const { client, attempts } = injectingClient(inject('dynamoEndpoint'), (n) => (n <= 2 ? serviceError('ProvisionedThroughputExceededException', 400) : null));
    const report = await revokerWith(client, new Ledger(join(dir.path, 'l.jsonl'))).revokeSessions({ ids: sessions.map((s) => s.id), reasonCode: 'offboarding' });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked', 'revoked', 'revoked']);
    expect([...attempts.values()]).toEqual([3, 3, 3, 3]);
  });

  it('reports a write throttled past the attempts as failed, never as revoked', async () => {
    const sessions = Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: now() - 10 - i }));
    await table.put(sessions);
    const ledger = new Ledger(join(dir.path, 'l.jsonl'));
    const { client, attempts } = injectingClient(inject('dynamoEndpoint'), () => serviceError('ProvisionedThroughputExceededException', 400));
    const report = await revokerWith(client, ledger).revokeSessions({ ids: sessions.map((s) => s.id), reasonCode: 'offboarding' });
    for (const r of report.results) {
      expect(r.outcome).toBe('failed');
      expect(r.error).toContain('ProvisionedThroughputExceededException');
    }
    expect([...attempts.values()]).toEqual([3, 3, 3]);
    for (const s of sessions) expect(await status(s.id)).toBe('active');
    const outcomes = [];
    for await (const e of ledger.entries()) if (e.kind === 'outcome') outcomes.push(e.outcome);
    expect(outcomes).toEqual(['failed', 'failed', 'failed']);
  });

  it('retries a transient server error and succeeds; keeps going past a session that fails', async () => {
    const flaky = sentinelItem({ seconds: now() - 10 });
    await table.put([flaky]);
    const { client } = injectingClient(inject('dynamoEndpoint'), (n) => (n === 1 ? serviceError('InternalServerError', 500) : null));
    const report = await revokerWith(client, new Ledger(join(dir.path, 'l.jsonl'))).revokeSessions({ ids: [flaky.id], reasonCode: 'offboarding' });
    expect(report.results[0]?.outcome).toBe('revoked');

    const a = sentinelItem({ seconds: now() - 20 });
    const b = sentinelItem({ seconds: now() - 21 });
    await table.put([a, b]);
    const failing = injectingClient(inject('dynamoEndpoint'), (_n, id) => (id === a.id ? serviceError('ValidationException', 400) : null));
    const mixed = await revokerWith(failing.client, new Ledger(join(dir.path, 'm.jsonl'))).revokeSessions({ ids: [a.id, b.id], reasonCode: 'offboarding' });
    expect(mixed.results.map((r) => r.outcome)).toEqual(['failed', 'revoked']);
  });
});

describe('bulk work never stops at, or hides, a user it could not list', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = () => Math.floor(Date.now() / 1000);

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });

  it('gives a user whose listing is throttled a failed row and still revokes the others', async () => {
    const ann = Array.from({ length: 2 }, (_, i) => sentinelItem({ seconds: now() - 10 - i }, { user: 'ann.leaver' }));
    const bob = Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: now() - 20 - i }, { user: 'bob.leaver' }));
    await table.put([...ann, ...bob]);
    // Every Query for bob is throttled past the SDK's attempts (DynamoDB Local never throttles).
    const base = localDynamoClient(inject('dynamoEndpoint'));
    base.middlewareStack.add(
      (next, context) => async (args) => {
        const values = (args.input as { ExpressionAttributeValues?: Record<string, { S?: string }> }).ExpressionAttributeValues ?? {};
        if (context.commandName === 'QueryCommand' && Object.values(values).some((v) => v.S === 'bob.leaver')) {
          throw Object.assign(new Error('injected throttling'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'throttleBob' },
    );
    const client = DynamoDBDocumentClient.from(base);
    const store = new SentinelStore({ client, tableName: table.name, cursors: new CursorCodec(randomBytes(32)) });
    const ledger = new Ledger(join(dir.path, 'l.jsonl'));
    const revoker = new SentinelRevoker({ client, store, ledger, operator: 'local:t', connection: 'test' });
    const report = await revoker.revokeUsers({ users: ['ann.leaver', 'bob.leaver', 'carl.nobody'], reasonCode: 'offboarding', ticket: 'HR-9' });
    expect(report.results.map((r) => [r.user, r.outcome])).toEqual(ann.map(() => ['ann.leaver', 'revoked']));
    expect(report.unlistedUsers).toEqual([{ user: 'bob.leaver', error: expect.stringMatching(/^could not list their sessions \(.*ThrottlingException.*injected throttling.*\); nothing of theirs was revoked/) }]);
    // bob is never "without active sessions": only the user who really has none is.
    expect(report.usersWithoutActiveSessions).toEqual(['carl.nobody']);
    for (const s of bob) {
      expect((await table.client.send(new GetCommand({ TableName: table.name, Key: { id: s.id }, ConsistentRead: true }))).Item?.status).toBe('active');
    }
    // The run's record (audit, evidence) has bob's failure too, not only the operator's screen.
    const bobsEntries = [];
    for await (const e of ledger.entries()) if (e.user === 'bob.leaver') bobsEntries.push(e);
    expect(bobsEntries).toEqual([expect.objectContaining({ kind: 'outcome', run: report.run, sessionId: '', outcome: 'failed', ticket: 'HR-9', error: report.unlistedUsers[0]?.error })]);
    expect((await ledger.verify()).ok).toBe(true);
    base.destroy();
  });
});
