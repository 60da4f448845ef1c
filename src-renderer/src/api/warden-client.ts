import type { ActivitySummary } from '../../../src-shared/activity';
import type { LedgerListResponse } from '../../../src-shared/audit';
import type { BlacklistPending } from '../../../src-shared/blacklist';
import type { AppInfo, EventPayload, RequestOf, SessionsPage, SessionsQueryRequest } from '../../../src-shared/contract';
import type { ExportResult } from '../../../src-shared/export';
import type { ErrorCode, IpcResult } from '../../../src-shared/result';
import type { ConfirmedRevokeSessionsRequest, ConfirmedRevokeUsersRequest, RevokeReport, UserPreview } from '../../../src-shared/revocation';
import type { Session } from '../../../src-shared/session';
import type { TeamLedgerStatus } from '../../../src-shared/team-ledger';
import type { UserLookup } from '../../../src-shared/users';
import type { WardenApi } from '../../../src-shared/warden-api';

declare global {
  interface Window {
    /** Installed by the preload (or the e2e bridge); use `wardenClient`, never this directly. */
    readonly warden?: WardenApi;
  }
}

/** An error answered by main, with the contract's code and an operator-readable message. */
export class WardenRequestError extends Error {
  constructor(
    readonly code: ErrorCode | 'NO_BRIDGE',
    message: string,
  ) {
    super(message);
    this.name = 'WardenRequestError';
  }
}

function api(): WardenApi {
  if (!window.warden) {
    throw new WardenRequestError('NO_BRIDGE', 'Session Warden must be opened as the desktop app: the connection to its main process is missing.');
  }
  return window.warden;
}

async function unwrap<T>(call: Promise<IpcResult<T>>): Promise<T> {
  const result = await call;
  if (result.ok) return result.value;
  throw new WardenRequestError(result.error.code, result.error.message);
}

/** The one place the renderer talks to main. Feature hooks call these; components never do. */
export const wardenClient = {
  appInfo: (): Promise<AppInfo> => unwrap(api().app.info()),
  querySessions: (request: Partial<SessionsQueryRequest>): Promise<SessionsPage> => unwrap(api().sessions.query(request)),
  getSession: async (id: string): Promise<Session | null> => (await unwrap(api().sessions.get({ id }))).session,
  revokeSessions: (request: ConfirmedRevokeSessionsRequest): Promise<RevokeReport> => unwrap(api().sessions.revoke(request)),
  revokeUsers: (request: ConfirmedRevokeUsersRequest): Promise<RevokeReport> => unwrap(api().users.revoke(request)),
  previewUsers: async (users: string[]): Promise<UserPreview[]> => (await unwrap(api().users.preview({ users }))).users,
  /** What the store knows of a typed user name: exact, resolved (case, e-mail), or close matches. */
  lookupUser: (text: string): Promise<UserLookup> => unwrap(api().users.lookup({ text })),
  saveEvidence: (runs: string[]) => unwrap(api().evidence.save({ runs })),
  notifyWatch: (sessionId: string) => unwrap(api().watch.notify({ sessionId })),
  onRevokeProgress: (listener: (progress: EventPayload<'revoke:progress'>) => void): (() => void) => api().on('revoke:progress', listener),
  listConnections: () => unwrap(api().connections.list()),
  saveConnection: (request: RequestOf<'connections:save'>) => unwrap(api().connections.save(request)),
  deleteConnection: (id: string) => unwrap(api().connections.delete({ id })),
  testConnection: (request: RequestOf<'connections:test'>) => unwrap(api().connections.test(request)),
  switchConnection: (id: string) => unwrap(api().connections.switch({ id })),
  awsProfiles: async () => (await unwrap(api().connections.profiles())).profiles,
  /** Creates a saved DynamoDB connection's team ledger table with its own credentials (refused when read-only). */
  initLedger: (id: string) => unwrap(api().connections.initLedger({ id })),
  activitySummary: (range: { since: string; until: string }): Promise<ActivitySummary> => unwrap(api().activity.summary(range)),
  listLedger: (request: RequestOf<'ledger:list'>): Promise<LedgerListResponse> => unwrap(api().ledger.list(request)),
  verifyLedger: () => unwrap(api().ledger.verify()),
  startExport: (request: RequestOf<'export:start'>): Promise<ExportResult> => unwrap(api().export.start(request)),
  cancelExport: (exportId: string) => unwrap(api().export.cancel({ exportId })),
  /** Blacklist writes not yet acknowledged, for every blacklist Redis (not only the active connection's). */
  blacklistPending: (): Promise<BlacklistPending> => unwrap(api().blacklist.pending()),
  /** One delivery round now; answers what is still pending. */
  retryBlacklist: (): Promise<BlacklistPending> => unwrap(api().blacklist.retry()),
  /** The active connection's team ledger: where, and how many of this desk's entries have not reached it. */
  teamLedger: (): Promise<TeamLedgerStatus> => unwrap(api().ledger.team()),
  /** One team ledger delivery round now; answers what is still pending. */
  deliverTeamLedger: (): Promise<TeamLedgerStatus> => unwrap(api().ledger.deliver()),
  onExportProgress: (listener: (progress: EventPayload<'export:progress'>) => void): (() => void) => api().on('export:progress', listener),
};
