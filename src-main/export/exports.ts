import { basename } from 'node:path';
import { explainComposition, type LedgerFilter } from '../../src-shared/audit';
import type { AppInfo } from '../../src-shared/contract';
import type { ExportFormat, ExportResult } from '../../src-shared/export';
import type { Session } from '../../src-shared/session';
import type { StoreAuditRow, StoreAuditWindow } from '../../src-shared/store-audit';
import type { StoreAuditLog } from '../stores/store-kind';
import { WardenError } from '../errors';
import type { Emit } from '../ipc/dispatch';
import { selectLedgerEntries } from '../ledger/audit-rows';
import type { LedgerEntry } from '../ledger/ledger-entry';
import type { Ledger } from '../ledger/ledger';
import type { ChooseSavePath } from '../revocation/evidence';
import type { TeamAudit } from '../team-ledger/team-audit';
import type { TeamEntry } from '../team-ledger/team-entry';
import { sessionPages, type SessionsFilter, type SessionStore } from '../session-store';
import type { ExportWorkerOptions } from './export-encoder';
import { ExportCancelledError, exportFile, type CsvLines, type RowShape } from './export-file';

/** Ledger entries written per step. */
const PAGE = 500;

/** Sessions asked of the store a page when it is paged through `query`: fewer round trips. */
const SESSION_PAGE = 1000;

/** A store that hands out every session of a filter itself, each item read once (SentinelStore.walk). */
interface WalkingStore extends SessionStore {
  walk(filter: SessionsFilter): AsyncIterable<Session[]>;
}

function walks(store: SessionStore): store is WalkingStore {
  return typeof (store as Partial<WalkingStore>).walk === 'function';
}

/** Every session of a filter, a page at a time: the store's own walk where it has one, else its pages. */
export function exportPages(store: SessionStore, filter: SessionsFilter): AsyncIterable<Session[]> {
  return walks(store) ? store.walk(filter) : sessionPages(store, filter, SESSION_PAGE);
}

/** A store that writes a sessions export's CSV lines itself (PostgresSessionStore: COPY), or says null where it cannot. */
interface CsvStore extends SessionStore {
  csvLines(filter: SessionsFilter, keys: readonly (keyof Session)[]): Promise<AsyncIterable<CsvLines> | null>;
}

function writesCsv(store: SessionStore): store is CsvStore {
  return typeof (store as Partial<CsvStore>).csvLines === 'function';
}

/** A sessions export's pages: the store's own CSV lines for a CSV file where it makes them, else its sessions (read ahead). */
async function sessionExportPages(store: SessionStore, filter: SessionsFilter, format: ExportFormat): Promise<AsyncIterable<Session[] | CsvLines>> {
  const lines = format === 'csv' && writesCsv(store) ? await store.csvLines(filter, SESSION_KEYS) : null;
  return lines ?? readAhead(exportPages(store, filter));
}

/**
 * The pages of `source` with the next one already being read while the caller writes this one,
 * so the store's time and the file's overlap; at most two pages are held. A read that fails is
 * thrown when its page is reached. When the caller stops early (cancelled, a write failed), the
 * read in flight is let finish and the source is then closed; its failure is nobody's.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  let finished = false;
  try {
    for (;;) {
      const current = await next;
      if (current.done) {
        finished = true;
        return;
      }
      next = iterator.next();
      next.catch(() => undefined);
      yield current.value;
    }
  } catch (error) {
    finished = true;
    throw error;
  } finally {
    if (!finished) {
      const close = () => iterator.return?.();
      next.then(close, () => undefined).catch(() => undefined);
    }
  }
}

/** A sessions export's columns, each with the field of a Session it holds. */
const SESSION_COLUMNS = [
  ['id', 'id'], ['user', 'user'], ['email', 'email'], ['profile', 'profile'], ['server_instance_id', 'serverInstanceId'], ['status', 'status'],
  ['stored_status', 'storedStatus'], ['created_at', 'createdAt'], ['started_at', 'startedAt'], ['last_access_at', 'lastAccessAt'], ['expires_at', 'expiresAt'],
  ['updated_at', 'updatedAt'], ['request_count', 'requestCount'], ['source_identity', 'sourceIdentity'], ['device_id', 'deviceId'], ['ip_address', 'ipAddress'],
  ['user_agent', 'userAgent'], ['revoked_by', 'revokedBy'], ['revoked_at', 'revokedAt'], ['revoked_reason', 'revokedReason'],
] as const satisfies readonly (readonly [string, keyof Session])[];

/** The fields of a Session a sessions export writes, in its columns' order. */
export const SESSION_KEYS: readonly (keyof Session)[] = SESSION_COLUMNS.map(([, key]) => key);

export const SESSION_SHAPE: RowShape<Session> = {
  columns: SESSION_COLUMNS.map(([column]) => column),
  cells: (s) => SESSION_KEYS.map((key) => s[key]),
  json: (s) => s,
};

export const LEDGER_SHAPE: RowShape<LedgerEntry> = {
  columns: ['seq', 'time', 'kind', 'operator', 'connection', 'run', 'session_id', 'user', 'reason_code', 'note', 'ticket', 'outcome', 'blacklist', 'error', 'revoked_at', 'prev', 'hash'],
  cells: (e) => [e.seq, e.time, e.kind, e.operator, e.connection, e.run, e.sessionId, e.user, e.reasonCode, e.note, e.ticket, e.outcome, e.blacklist, e.error, e.revokedAt, e.prev, e.hash],
  json: (e) => e,
};

/** The store's own audit log, one row a line; `by_session_warden` true: the same revocation as a ledger entry. */
export const STORE_AUDIT_SHAPE: RowShape<StoreAuditRow> = {
  columns: ['id', 'created_at', 'action', 'session_id', 'user_id', 'email', 'revoked_by', 'operator', 'reason', 'count', 'ip_address', 'user_agent', 'by_session_warden'],
  cells: (r) => [r.id, r.createdAt, r.action, r.sessionId, r.userId, r.email, r.revokedBy, r.operator, r.reason, r.count, r.ipAddress, r.userAgent, r.bySessionWarden],
  json: (r) => r,
};

/** A team ledger's entries: the desk's entry as it wrote it, with the team chain's position, desk and link. */
export const TEAM_LEDGER_SHAPE: RowShape<TeamEntry> = {
  columns: ['team_seq', 'device', ...LEDGER_SHAPE.columns.map((c) => (c === 'seq' || c === 'prev' || c === 'hash' ? `local_${c}` : c)), 'team_prev', 'team_hash'],
  cells: (t) => [t.seq, t.device, ...LEDGER_SHAPE.cells(t.entry), t.prev, t.hash],
  json: (t) => t,
};

export interface ExportsOptions {
  store: SessionStore;
  ledger: Ledger;
  /** The connection's team ledger: a ledger export is then of it (every desk's entries), verified with `verify`. */
  team?: { audit: TeamAudit; verify: () => Promise<unknown> } | undefined;
  info: () => AppInfo;
  chooseSavePath: ChooseSavePath;
  clock?: () => number;
  /** The store's own audit log, where it keeps one (`store-audit` exports). */
  storeAudit?: StoreAuditLog | undefined;
  /** Tests only: the encoder thread's script or a fault it makes (export-encoder.ts); by default the built worker. */
  exportWorker?: ExportWorkerOptions | undefined;
}

type StartRequest = { exportId: string; format: ExportFormat } & (
  | { kind: 'sessions'; filter: SessionsFilter }
  | { kind: 'ledger'; filter?: LedgerFilter | undefined }
  | { kind: 'store-audit'; window: StoreAuditWindow }
);

/** Runs exports (one per id), each cancellable while it writes. */
export class Exports {
  readonly #options: ExportsOptions;
  readonly #running = new Map<string, AbortController>();

  constructor(options: ExportsOptions) {
    this.#options = options;
  }

  async start(request: StartRequest, emit: Emit): Promise<ExportResult> {
    if (this.#running.has(request.exportId)) throw new WardenError('VALIDATION', 'An export with this id is already running.');
    const controller = new AbortController();
    this.#running.set(request.exportId, controller);
    try {
      const info = this.#options.info();
      const storeAudit = this.#options.storeAudit;
      if (request.kind === 'store-audit' && !storeAudit) throw new WardenError('VALIDATION', `This connection's store keeps no audit log of its own: there is nothing to export but the ledger.`);
      const now = new Date((this.#options.clock ?? Date.now)());
      const stamp = now.toISOString().slice(0, 19).replace(/:/g, '-');
      const path = await this.#options.chooseSavePath(`${request.kind}-${safeName(info.connection.name)}-${stamp}.${request.format}`);
      if (path === null) return { saved: false, cancelled: false, rows: 0 };
      let last = 0;
      const progress = (rows: number) => {
        if (Date.now() - last < 200) return;
        last = Date.now();
        emit('export:progress', { exportId: request.exportId, rows });
      };
      const common = {
        path,
        format: request.format,
        signal: controller.signal,
        onProgress: progress,
        worker: this.#options.exportWorker,
        exportedAt: now.toISOString(),
        operator: info.operator,
        connection: { name: info.connection.name, kind: info.connection.kind, environment: info.connection.environment, store: info.connection.table },
        app: { name: 'Session Warden', version: info.version },
      };
      let written;
      let revocations: number | undefined;
      try {
        if (request.kind === 'sessions') {
          const manifest = { kind: request.kind, filter: request.filter, exportedAt: common.exportedAt, operator: common.operator, connection: common.connection, app: common.app };
          written = await exportFile({ ...common, manifest, shape: SESSION_SHAPE, pages: await sessionExportPages(this.#options.store, request.filter, request.format) });
        } else if (request.kind === 'store-audit') {
          if (!storeAudit) throw new WardenError('VALIDATION', 'This connection\'s store keeps no audit log of its own.');
          const table = info.connection.capabilities.storeAudit ?? 'the store\'s audit log';
          const manifest = {
            kind: request.kind,
            table,
            window: request.window,
            contents: `the revocations ${table} recorded (SESSION_REVOKED, REVOKE_ALL) in the window; rows with by_session_warden true are Session Warden's own, the same revocations as ledger entries`,
            order: 'newest first, by the table\'s id',
            exportedAt: common.exportedAt,
            operator: common.operator,
            connection: common.connection,
            app: common.app,
          };
          written = await exportFile({ ...common, manifest, shape: STORE_AUDIT_SHAPE, pages: storeAuditPages(storeAudit, request.window) });
        } else {
          const { team } = this.#options;
          if (team) {
            const ledger = await this.#teamLedgerExport(team, request.filter ?? {}, common);
            revocations = ledger.revocations;
            written = await exportFile({ ...common, manifest: ledger.manifest, shape: TEAM_LEDGER_SHAPE, pages: ledger.pages });
          } else {
            const ledger = await this.#ledgerExport(request.filter ?? {}, common);
            revocations = ledger.revocations;
            written = await exportFile({ ...common, manifest: ledger.manifest, shape: LEDGER_SHAPE, pages: ledger.pages });
          }
        }
      } catch (error) {
        if (error instanceof ExportCancelledError) return { saved: false, cancelled: true, rows: 0 };
        if (error instanceof WardenError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        throw new WardenError('INTERNAL', `The export could not be written${code ? ` (${code})` : ''}; nothing was left on disk.`);
      }
      emit('export:progress', { exportId: request.exportId, rows: written.rows });
      return { saved: true, cancelled: false, ...written, ...(revocations !== undefined ? { revocations } : {}) };
    } finally {
      this.#running.delete(request.exportId);
    }
  }

  /**
   * The entries of the audit rows a filter matches (the audit table's own test), and a manifest
   * that states the filter, what the rows are in the table's units, and the ledger they were taken
   * from (its length, last hash, and whether its chain verified just before).
   */
  async #ledgerExport(filter: LedgerFilter, common: { exportedAt: string; operator: string; connection: object; app: object }) {
    const { ledger } = this.#options;
    const selection = await selectLedgerEntries(ledger.entries(), filter);
    const verified = await ledger.verify();
    const { composition } = selection;
    const manifest = {
      kind: 'ledger',
      filter,
      filterDescription: describeLedgerFilter(filter),
      revocations: composition.revocations,
      contents: `${composition.entries.toLocaleString('en-US')} ledger ${composition.entries === 1 ? 'entry' : 'entries'}, for ${explainComposition(composition)}`,
      order: 'ledger order (oldest first); each line exactly as in the ledger, with its seq, prev and hash',
      ledger: { file: basename(ledger.path), ...selection.ledger, verified },
      exportedAt: common.exportedAt,
      operator: common.operator,
      connection: common.connection,
      app: common.app,
    };
    return { manifest, revocations: composition.revocations, pages: selectedPages(ledger, selection.seqs, selection.ledger.lastSeq) };
  }

  /**
   * The team ledger's entries of the rows a filter matches, with the same manifest as a desk's
   * ledger: the filter, the rows in the table's units, and the chain they were taken from (its
   * label, length, last hash, and its verification just before, which covers this desk's copy).
   */
  async #teamLedgerExport(team: NonNullable<ExportsOptions['team']>, filter: LedgerFilter, common: { exportedAt: string; operator: string; connection: object; app: object }) {
    const selection = await team.audit.select(filter);
    const verified = await team.verify();
    const { composition } = selection;
    const manifest = {
      kind: 'ledger',
      filter,
      filterDescription: describeLedgerFilter(filter),
      revocations: composition.revocations,
      contents: `${composition.entries.toLocaleString('en-US')} team ledger ${composition.entries === 1 ? 'entry' : 'entries'}, for ${explainComposition(composition)}`,
      order:
        'team chain order (oldest first); each line exactly as stored on the team ledger: its seq, prev, device and hash, and the desk\'s own entry inside with that desk\'s seq, prev and hash',
      ledger: { team: selection.chain.label, entries: selection.chain.entries, lastSeq: selection.chain.lastSeq, lastHash: selection.chain.lastHash, entriesRead: selection.chain.read, verified },
      exportedAt: common.exportedAt,
      operator: common.operator,
      connection: common.connection,
      app: common.app,
    };
    return { manifest, revocations: composition.revocations, pages: team.audit.selectedPages(selection.seqs) };
  }

  cancel(exportId: string): { cancelled: boolean } {
    const controller = this.#running.get(exportId);
    controller?.abort();
    return { cancelled: controller !== undefined };
  }
}

/**
 * The chosen entries, a page at a time, read again from the ledger. Each must still be the entry
 * that was chosen (same hash): a ledger rewritten in between is an error, never a mixed export.
 */
async function* selectedPages(ledger: Ledger, seqs: ReadonlyMap<number, string>, lastSeq: number): AsyncGenerator<LedgerEntry[]> {
  let page: LedgerEntry[] = [];
  for await (const entry of ledger.entries()) {
    if (entry.seq > lastSeq) break;
    const hash = seqs.get(entry.seq);
    if (hash === undefined) continue;
    if (hash !== entry.hash) throw new WardenError('INTERNAL', `The ledger changed while it was being exported (entry ${entry.seq} differs); nothing was saved. Check it on the Audit screen.`);
    page.push(entry);
    if (page.length === PAGE) {
      yield page;
      page = [];
    }
  }
  yield page;
}

/** A filter in words for the manifest: "operator secops.jane; reason offboarding; attempted from … to …". */
export function describeLedgerFilter(filter: LedgerFilter): string {
  const parts = [
    filter.operator !== undefined ? `operator ${filter.operator}` : null,
    filter.connection !== undefined ? `connection ${filter.connection}` : null,
    filter.device !== undefined ? `desk ${filter.device}` : null,
    filter.reasonCode !== undefined ? `reason ${filter.reasonCode}` : null,
    filter.outcome !== undefined ? `outcome ${filter.outcome}` : null,
    filter.since !== undefined && filter.until !== undefined
      ? `attempted from ${filter.since} to ${filter.until}`
      : filter.since !== undefined
        ? `attempted from ${filter.since}`
        : filter.until !== undefined
          ? `attempted until ${filter.until}`
          : null,
    filter.text !== undefined ? `operator, user, session, ticket or note contains "${filter.text}"` : null,
  ].filter((p): p is string => p !== null);
  return parts.length === 0 ? 'none: every revocation in the ledger' : parts.join('; ');
}

/** Every page of the store's audit log in the window, newest first, walked by `nextBefore`. */
async function* storeAuditPages(log: StoreAuditLog, window: StoreAuditWindow): AsyncGenerator<StoreAuditRow[]> {
  let before: string | undefined;
  for (;;) {
    const page = await log.read({ ...window, limit: PAGE, ...(before !== undefined ? { before } : {}) });
    yield page.rows;
    if (page.nextBefore === undefined) return;
    before = page.nextBefore;
  }
}

/** A connection name as part of a file name. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'connection';
}
