import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditRow, LedgerListResponse } from '../../src-shared/audit';
import type { AppInfo } from '../../src-shared/contract';
import type { ActivitySummary } from '../../src-shared/activity';
import type { ExportResult } from '../../src-shared/export';
import { createHandlers } from '../../src-main/handlers';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { deviceId } from '../../src-main/team-ledger/device-id';
import { createLedgerTable, DynamoTeamChain } from '../../src-main/team-ledger/dynamo-chain';
import { RedisTeamChain } from '../../src-main/team-ledger/redis-chain';
import { AUDIT_WINDOW } from '../../src-main/team-ledger/team-audit';
import type { TeamChain } from '../../src-main/team-ledger/team-chain';
import type { TeamEntry } from '../../src-main/team-ledger/team-entry';
import { TeamLedger } from '../../src-main/team-ledger/team-ledger';
import { createSentinelTable, type TestTable } from '../fixtures/sentinel-table';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

/** Revocations start here, a minute apart; desk A on even minutes, desk B on odd ones. */
const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
const PER_DESK = 60;

interface Desk {
  dir: TempDir;
  ledger: Ledger;
  team: TeamLedger;
  device: string;
  operator: string;
}

/** An attempt and its outcome, as a revoker writes them, stamped for the team chain. */
function revocation(team: string, operator: string, minute: number, reasonCode: LedgerRecord['reasonCode'], ticket: string): LedgerRecord[] {
  const common = { time: at(minute), operator, connection: `prod (${operator}'s desk)`, run: randomUUID(), sessionId: randomBytes(8).toString('hex'), user: `user.${minute}`, reasonCode, ticket, team };
  return [
    { ...common, kind: 'attempt' },
    { ...common, kind: 'outcome', time: new Date(Date.parse(common.time) + 400).toISOString(), outcome: 'revoked' },
  ];
}

const CHAINS: { name: string; open: () => Promise<{ chain: () => TeamChain; close: () => Promise<void> }> }[] = [
  {
    name: 'DynamoDB table',
    open: async () => {
      const base = localDynamoClient(inject('dynamoEndpoint'));
      const table = `audit-test-${randomBytes(5).toString('hex')}`;
      await createLedgerTable(base, table);
      return {
        chain: () => new DynamoTeamChain(base, table, 'local'),
        close: async () => {
          await base.send(new DeleteTableCommand({ TableName: table }));
          base.destroy();
        },
      };
    },
  },
  {
    name: 'Redis stream',
    open: async () => {
      const server: RunningRedis = await startRedisServer();
      const client = new Redis(server.url);
      return {
        chain: () => new RedisTeamChain(client, 'session-warden:revocations', '127.0.0.1'),
        close: async () => {
          client.disconnect();
          await server.stop();
        },
      };
    },
  },
];

describe.each(CHAINS)("the auditor's view of a team ledger in a $name, over the real handler table", ({ open }) => {
  let chain: TeamChain;
  let closeChain: () => Promise<void>;
  let sentinel: TestTable;
  let a: Desk;
  let b: Desk;
  /** Desk B's handler table; desk C's is a read-only auditor's with no ledger entries of its own. */
  let handlers: WorkspaceHandlerTable;
  let auditor: WorkspaceHandlerTable;
  let auditorDir: TempDir;
  let interruptedTime: string;

  const desk = async (operator: string): Promise<Desk> => {
    const dir = await tempDir();
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const device = await deviceId(dir.path);
    return { dir, ledger, team: new TeamLedger({ ledger, chain, dataDir: dir.path, device }), device, operator };
  };
  const tableFor = (d: { dir: TempDir; ledger: Ledger; team: TeamLedger }, readOnly: boolean): WorkspaceHandlerTable => {
    const info: AppInfo = { version: '0.1.0', connection: { id: 'prod', nonce: 'nonce-of-this-workspace-0001', name: 'prod', kind: 'dynamodb', environment: 'production', table: sentinel.name, readOnly, capabilities: SENTINEL_CAPABILITIES }, operator: readOnly ? 'auditor.kim' : 'bob' };
    return createHandlers({
      store: sentinel.store(),
      revoker: readOnly ? null : sentinel.revoker(d.dir.path, { ledger: d.ledger, operator: 'bob' }),
      ledger: d.ledger,
      ledgerConnection: 'prod',
      info: () => info,
      chooseSavePath: async (name) => join(d.dir.path, name),
      notify: () => undefined,
      team: d.team,
    });
  };
  const call = async <T>(table: WorkspaceHandlerTable, channel: string, request: unknown): Promise<T> => {
    const handler = (table as unknown as Record<string, (r: unknown, c: { emit: () => void }) => Promise<T>>)[channel];
    if (!handler) throw new Error(`no handler ${channel}`);
    return handler(request, { emit: () => undefined });
  };
  const list = (table: WorkspaceHandlerTable, request: Record<string, unknown>) => call<LedgerListResponse>(table, 'ledger:list', { limit: 200, offset: 0, ...request });

  beforeAll(async () => {
    const opened = await open();
    chain = opened.chain();
    closeChain = opened.close;
    sentinel = await createSentinelTable(inject('dynamoEndpoint'));
    [a, b] = await Promise.all([desk('alice'), desk('bob')]);
    // Both desks revoke and deliver in turns: the chain interleaves their entries.
    for (let round = 0; round < 3; round += 1) {
      for (const d of [a, b]) {
        const odd = d === b ? 1 : 0;
        const records: LedgerRecord[] = [];
        for (let i = round * 20; i < (round + 1) * 20; i += 1) {
          const reason = d === b ? 'security_incident' : i % 2 === 0 ? 'offboarding' : 'credential_compromise';
          records.push(...revocation(chain.id, d.operator, 2 * i + odd, reason, `${d === a ? 'A' : 'B'}-INC-${i}`));
        }
        await d.ledger.append(records);
        await d.team.deliver();
      }
    }
    // Desk A stopped between an attempt and its outcome; desk B recorded a requested name with nothing live.
    const [attempt] = revocation(chain.id, 'alice', 2 * PER_DESK, 'offboarding', 'A-INC-LAST');
    if (!attempt) throw new Error('no attempt');
    interruptedTime = attempt.time;
    await a.ledger.append([attempt]);
    await a.team.deliver();
    await b.ledger.append([{ kind: 'outcome', time: at(2 * PER_DESK + 1), operator: 'bob', connection: "prod (bob's desk)", run: randomUUID(), sessionId: '', user: 'zoe.left', reasonCode: 'offboarding', ticket: 'HR-9', outcome: 'no_active_sessions', team: chain.id }]);
    await b.team.deliver();
    handlers = tableFor(b, false);
    auditorDir = await tempDir();
    const auditorLedger = new Ledger(join(auditorDir.path, 'ledger.jsonl'));
    auditor = tableFor({ dir: auditorDir, ledger: auditorLedger, team: new TeamLedger({ ledger: auditorLedger, chain, dataDir: auditorDir.path, device: await deviceId(auditorDir.path) }) }, true);
  }, 120_000);
  afterAll(async () => {
    await closeChain?.();
    await sentinel?.drop();
    await Promise.all([a?.dir.remove(), b?.dir.remove(), auditorDir?.remove()]);
  });

  it("lists every desk's revocations newest first, attempts joined to outcomes, with each row's desk", async () => {
    const all = await list(handlers, {});
    const entries = 2 * 2 * PER_DESK + 2;
    expect(all.coverage).toEqual({ label: chain.label, chainEntries: entries, read: entries, complete: true, thisDevice: b.device });
    expect(all.total).toBe(2 * PER_DESK + 2);
    expect(all.ledger).toEqual({ entries, revocations: 2 * PER_DESK + 2, withOutcome: 2 * PER_DESK, interrupted: 1, outcomeOnly: 0, perName: 1 });
    const seqs = all.rows.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => y - x));
    expect(all.rows[0]).toMatchObject({ seq: entries, user: 'zoe.left', outcome: 'no_active_sessions', device: b.device, operator: 'bob' });
    expect(all.rows[0]?.attemptSeq).toBeUndefined();
    expect(all.rows[1]).toMatchObject({ seq: entries - 1, attemptSeq: entries - 1, outcome: 'interrupted', device: a.device, operator: 'alice', time: interruptedTime });
    // A joined row carries its attempt's time and both team positions.
    const joined = all.rows.find((r) => r.ticket === 'B-INC-7');
    expect(joined).toMatchObject({ outcome: 'revoked', operator: 'bob', time: at(15), device: b.device, reasonCode: 'security_incident' });
    expect(joined?.attemptSeq).toBe((joined?.seq ?? 0) - 1);
    expect(all.facets.operators).toEqual([
      { name: 'alice', count: PER_DESK + 1 },
      { name: 'bob', count: PER_DESK + 1 },
    ]);
    expect(all.facets.devices?.map((d) => d.name).sort()).toEqual([a.device, b.device].sort());
  });

  it('pages newest first: consecutive pages neither overlap nor skip a row', async () => {
    const seen: AuditRow[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = await list(handlers, { limit: 50, offset });
      seen.push(...page.rows);
      if (page.rows.length < 50) break;
    }
    expect(seen).toHaveLength(2 * PER_DESK + 2);
    expect(new Set(seen.map((r) => r.seq)).size).toBe(seen.length);
    expect(seen.map((r) => r.seq)).toEqual(seen.map((r) => r.seq).sort((x, y) => y - x));
  });

  it('filters by operator, desk, reason, ticket text and time', async () => {
    const byOperator = await list(handlers, { operator: 'alice' });
    expect(byOperator.total).toBe(PER_DESK + 1);
    expect(new Set(byOperator.rows.map((r) => r.device))).toEqual(new Set([a.device]));
    const byDesk = await list(handlers, { device: b.device });
    expect(byDesk.total).toBe(PER_DESK + 1);
    expect(new Set(byDesk.rows.map((r) => r.operator))).toEqual(new Set(['bob']));
    expect((await list(handlers, { reasonCode: 'security_incident' })).total).toBe(PER_DESK);
    expect((await list(handlers, { reasonCode: 'offboarding' })).total).toBe(PER_DESK / 2 + 2);
    const ticket = await list(handlers, { text: 'b-inc-7' });
    expect(ticket.rows.map((r) => r.ticket)).toEqual(['B-INC-7']);
    // Minutes 10 to 19: desk A's revocations 5..9 (even minutes) and desk B's 5..9 (odd minutes).
    const window = await list(handlers, { since: at(10), until: at(19) });
    expect(window.rows.map((r) => r.time).sort()).toEqual(Array.from({ length: 10 }, (_, i) => at(10 + i)));
    expect(window.coverage?.complete).toBe(true);
    expect((await list(handlers, { since: at(10), until: at(19), device: a.device, outcome: 'revoked' })).total).toBe(5);
    expect((await list(handlers, { outcome: 'interrupted' })).rows.map((r) => r.ticket)).toEqual(['A-INC-LAST']);
  });

  it('a read-only desk with no entries of its own reads the same team ledger', async () => {
    const theirs = await list(auditor, { limit: 500 });
    const ours = await list(handlers, { limit: 500 });
    expect(theirs.rows).toEqual(ours.rows);
    expect(theirs.coverage?.thisDevice).not.toBe(b.device);
    await expect(call(auditor, 'sessions:revoke', { ids: ['0123456789abcdef'], reasonCode: 'other', note: 'x', connection: { id: 'prod', nonce: 'nonce-of-this-workspace-0001' } })).rejects.toThrow(/read-only/);
  });

  it("charts every desk's revocations in the range, read down to its start", async () => {
    const summary = await call<ActivitySummary>(auditor, 'activity:summary', { since: at(0), until: at(2 * PER_DESK + 5) });
    expect(summary.total).toBe(2 * PER_DESK);
    expect(summary.fromLedger).toBe(2 * PER_DESK);
    expect(summary.byOperator).toEqual([
      { name: 'alice', count: PER_DESK },
      { name: 'bob', count: PER_DESK },
    ]);
    const later = await call<ActivitySummary>(auditor, 'activity:summary', { since: at(100), until: at(2 * PER_DESK + 5) });
    expect(later.total).toBe(20);
  });

  it('exports the team ledger: the filtered rows as stored on the chain, with the manifest', async () => {
    const result = await call<ExportResult>(auditor, 'export:start', { exportId: randomUUID(), format: 'json', kind: 'ledger', filter: { device: a.device, reasonCode: 'offboarding' } });
    expect(result).toMatchObject({ saved: true, revocations: PER_DESK / 2 + 1 });
    // The "save dialog" of the auditor's desk answers its data directory.
    const path = join(auditorDir.path, result.fileName ?? '');
    const lines = JSON.parse(await readFile(path, 'utf8')) as TeamEntry[];
    expect(lines).toHaveLength(PER_DESK + 1);
    expect(new Set(lines.map((l) => l.device))).toEqual(new Set([a.device]));
    expect(lines.map((l) => l.seq)).toEqual(lines.map((l) => l.seq).sort((x, y) => x - y));
    const manifest = JSON.parse(await readFile(join(auditorDir.path, result.manifestFileName ?? ''), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ kind: 'ledger', revocations: PER_DESK / 2 + 1, ledger: { team: chain.label, entries: 2 * 2 * PER_DESK + 2 } });
    expect(String(manifest.filterDescription)).toContain(`desk ${a.device}`);
    expect((manifest.ledger as { verified: { team: { ok: boolean } } }).verified.team.ok).toBe(true);
  });

  it('a long chain is paged from its end: a page reads a recent window, not everything, and says so', async () => {
    const records: LedgerRecord[] = [];
    for (let i = 0; i < 1_200; i += 1) records.push(...revocation(chain.id, 'alice', 1_000 + i, 'role_change', `A-BULK-${i}`));
    await a.ledger.append(records);
    await a.team.deliver();
    const chainEntries = 2 * 2 * PER_DESK + 2 + 2_400;
    const first = await list(handlers, { limit: 50 });
    expect(first.rows).toHaveLength(50);
    expect(first.rows[0]?.ticket).toBe('A-BULK-1199');
    expect(first.coverage).toMatchObject({ chainEntries, complete: false });
    expect(first.coverage?.read).toBeGreaterThanOrEqual(AUDIT_WINDOW);
    expect(first.coverage?.read).toBeLessThan(chainEntries);
    expect(first.total).toBeGreaterThan(50);
    expect(first.ledger.entries).toBeLessThanOrEqual(first.coverage?.read ?? 0);
    // A time filter stops reading once entries are older than its start (after a margin).
    const recent = await list(handlers, { since: at(1_000 + 1_100) });
    expect(recent.total).toBe(100);
    expect(recent.coverage).toMatchObject({ complete: true });
    expect(recent.coverage?.read).toBeLessThan(chainEntries);
    // Desk B's rows lie beyond the window: reading goes on until the page is found.
    const bob = await list(handlers, { operator: 'bob', limit: 10 });
    expect(bob.rows.map((r) => r.ticket)[0]).toBe('HR-9');
    expect(bob.rows).toHaveLength(10);
  }, 120_000);
});
