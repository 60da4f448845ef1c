import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { PostgresStore } from '../../src-shared/connections';
import type { StoreAuditRow } from '../../src-shared/store-audit';
import { testRedisConnection } from '../connections/connection-test';
import { localIdentity } from '../operator-identity';
import { CursorCodec } from '../stores/cursor';
import type { StoreKind } from '../stores/store-kind';
import { readPostgresAuditLog, type PostgresAuditRow } from './audit-log';
import { POSTGRES_CAPABILITIES } from './capabilities';
import { openPostgresPool, parsePostgresUrl, redactPostgresUrl, type PostgresConnectionConfig } from './postgres-pool';
import { PostgresSessionStore } from './postgres-session-store';
import { PostgresRevoker } from './postgres-writer';
import { checkPostgresSchema } from './schema-check';

function poolConfig(config: PostgresStore, secret: string | null, readOnly: boolean): PostgresConnectionConfig {
  return { url: config.url, ...(secret ? { password: secret } : {}), ...(config.sslmode ? { sslmode: config.sslmode } : {}), ...(config.tlsCa ? { caPem: config.tlsCa } : {}), readOnly };
}

function noTeamLedger(): never {
  throw new Error('a PostgreSQL connection keeps no team ledger yet: its revocations stay in the local ledger and the application\'s session_audit_log');
}

/** An audit row as the renderer gets it: the fields read from `details`, without `details` itself. */
function auditRow(r: PostgresAuditRow): StoreAuditRow {
  return {
    id: r.id,
    action: r.action,
    sessionId: r.sessionId,
    userId: r.userId,
    email: r.email,
    createdAt: r.createdAt,
    reason: r.reason,
    revokedBy: r.revokedBy,
    operator: r.operator,
    count: r.count,
    bySessionWarden: r.bySessionWarden,
    ipAddress: r.ipAddress,
    userAgent: r.userAgent,
  };
}

/**
 * The web app's sessions of record in PostgreSQL (`sessions`, `session_audit_log`), revoked as the
 * app revokes them, one transaction per session; optionally mirrored to the hybrid deployment's
 * blacklist Redis (`revoked:<id>`).
 */
export const postgresKind: StoreKind<PostgresStore> = {
  kind: 'postgres',
  capabilities: POSTGRES_CAPABILITIES,
  sessionId: { schema: z.uuid('a PostgreSQL session id is a UUID'), hint: '' },
  ledgerFile: 'ledger.jsonl',
  async open(config, { secret }, options = {}) {
    const pool = await openPostgresPool(poolConfig(config, secret, options.readOnly === true));
    const store = new PostgresSessionStore({ pool, cursors: new CursorCodec(randomBytes(32)) });
    return {
      store,
      where: parsePostgresUrl(config.url, config.sslmode).where,
      // The database knows the app's users, not ours: revocations are recorded as this desk's OS user.
      identity: async () => localIdentity(),
      revoker: ({ blacklist, ...setup }) => new PostgresRevoker({ pool, store, operatorEmail: config.operatorEmail, ...setup, ...(blacklist ? { blacklist } : {}) }),
      teamChain: noTeamLedger,
      // The tables, columns and indexes the listings need: a missing index is said before any work.
      check: async () => {
        await store.schema();
      },
      initTeamLedger: async () => noTeamLedger(),
      // The app's audit table, on the same (read-only, for an auditor) pool: e-mails where users have them.
      storeAudit: {
        read: async (request) => {
          const { hasEmail } = await store.schema();
          const page = await readPostgresAuditLog(pool, { ...request, withEmail: hasEmail });
          return { table: 'session_audit_log', rows: page.rows.map(auditRow), ...(page.nextBefore !== undefined ? { nextBefore: page.nextBefore } : {}) };
        },
      },
      close: () => pool.end(),
    };
  },
  async test(config, { secret, blacklistSecret }, options = {}) {
    let pool;
    try {
      pool = await openPostgresPool(poolConfig(config, secret, true));
    } catch (error) {
      return { ok: false, checks: [{ name: 'Database', state: 'failed', detail: (error as Error).message }] };
    }
    try {
      // A read-only pool: testing never writes; the privileges a revoking desk needs are still checked.
      const result = await checkPostgresSchema(pool, { readOnly: options.readOnly === true });
      if (!config.blacklistRedis) return result;
      const blacklist = await testRedisConnection({ kind: 'redis', urls: [config.blacklistRedis.url], cluster: false, ...(config.blacklistRedis.username ? { username: config.blacklistRedis.username } : {}) }, blacklistSecret, undefined, { layout: false });
      const checks = [...result.checks, ...blacklist.checks.map((c) => ({ ...c, name: `Blacklist Redis: ${c.name}` }))];
      return { ok: checks.every((c) => c.state !== 'failed'), checks };
    } finally {
      await pool.end();
    }
  },
  secretTarget: ({ url, sslmode, tlsCa }) => JSON.stringify(['postgres', redactPostgresUrl(url), sslmode ?? '', tlsCa ?? '']),
  blacklist: (config, { blacklistSecret }) => (config.blacklistRedis ? { url: config.blacklistRedis.url, username: config.blacklistRedis.username, password: blacklistSecret } : null),
  unnamed: ({ url, sslmode }) => `postgres:${parsePostgresUrl(url, sslmode).where}`,
  defaultTeamLedger: () => 'session-warden-revocations',
  invalidTeamLedger: () => 'a PostgreSQL connection keeps no team ledger yet',
  teamChain: () => null,
};
