import type { AppInfo } from '../../src-shared/contract';
import type { ExportFormat, ExportResult } from '../../src-shared/export';
import type { Session } from '../../src-shared/session';
import { WardenError } from '../errors';
import type { Emit } from '../ipc/dispatch';
import type { LedgerEntry } from '../ledger/ledger-entry';
import type { Ledger } from '../ledger/ledger';
import type { ChooseSavePath } from '../revocation/evidence';
import { sessionPages, type SessionsFilter, type SessionStore } from '../session-store';
import { ExportCancelledError, exportFile, type RowShape } from './export-file';

/** Ledger entries written per step. */
const PAGE = 500;

export const SESSION_SHAPE: RowShape<Session> = {
  columns: [
    'id', 'user', 'email', 'profile', 'server_instance_id', 'status', 'stored_status', 'created_at', 'started_at', 'last_access_at',
    'expires_at', 'updated_at', 'request_count', 'source_identity', 'device_id', 'ip_address', 'user_agent', 'revoked_by', 'revoked_at', 'revoked_reason',
  ],
  cells: (s) => [
    s.id, s.user, s.email, s.profile, s.serverInstanceId, s.status, s.storedStatus, s.createdAt, s.startedAt, s.lastAccessAt,
    s.expiresAt, s.updatedAt, s.requestCount, s.sourceIdentity, s.deviceId, s.ipAddress, s.userAgent, s.revokedBy, s.revokedAt, s.revokedReason,
  ],
  json: (s) => s,
};

export const LEDGER_SHAPE: RowShape<LedgerEntry> = {
  columns: ['seq', 'time', 'kind', 'operator', 'connection', 'run', 'session_id', 'user', 'reason_code', 'note', 'ticket', 'outcome', 'blacklist', 'error', 'revoked_at', 'prev', 'hash'],
  cells: (e) => [e.seq, e.time, e.kind, e.operator, e.connection, e.run, e.sessionId, e.user, e.reasonCode, e.note, e.ticket, e.outcome, e.blacklist, e.error, e.revokedAt, e.prev, e.hash],
  json: (e) => e,
};

export interface ExportsOptions {
  store: SessionStore;
  ledger: Ledger;
  info: () => AppInfo;
  chooseSavePath: ChooseSavePath;
  clock?: () => number;
}

type StartRequest = { exportId: string; format: ExportFormat } & ({ kind: 'sessions'; filter: SessionsFilter } | { kind: 'ledger' });

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
      const manifest = {
        kind: request.kind,
        ...(request.kind === 'sessions' ? { filter: request.filter } : {}),
        exportedAt: now.toISOString(),
        operator: info.operator,
        connection: { name: info.connection.name, kind: info.connection.kind, environment: info.connection.environment, store: info.connection.table },
        app: { name: 'Session Warden', version: info.version },
      };
      const common = { path, format: request.format, signal: controller.signal, onProgress: progress, manifest };
      let written;
      try {
        written =
          request.kind === 'sessions'
            ? await exportFile({ ...common, shape: SESSION_SHAPE, pages: sessionPages(this.#options.store, request.filter) })
            : await exportFile({ ...common, shape: LEDGER_SHAPE, pages: ledgerPages(this.#options.ledger) });
      } catch (error) {
        if (error instanceof ExportCancelledError) return { saved: false, cancelled: true, rows: 0 };
        if (error instanceof WardenError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        throw new WardenError('INTERNAL', `The export could not be written${code ? ` (${code})` : ''}; nothing was left on disk.`);
      }
      emit('export:progress', { exportId: request.exportId, rows: written.rows });
      return { saved: true, cancelled: false, ...written };
    } finally {
      this.#running.delete(request.exportId);
    }
  }

  cancel(exportId: string): { cancelled: boolean } {
    const controller = this.#running.get(exportId);
    controller?.abort();
    return { cancelled: controller !== undefined };
  }
}

async function* ledgerPages(ledger: Ledger): AsyncGenerator<LedgerEntry[]> {
  let page: LedgerEntry[] = [];
  for await (const entry of ledger.entries()) {
    page.push(entry);
    if (page.length === PAGE) {
      yield page;
      page = [];
    }
  }
  yield page;
}

/** A connection name as part of a file name. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'connection';
}
