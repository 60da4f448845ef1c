import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ParsedRequestOf, ResponseOf } from '../../src-shared/contract';
import { IncidentSummarySchema, type IncidentActivityCheck, type IncidentSummary, type IncidentView } from '../../src-shared/people';
import { writeFileAtomic } from '../atomic-file';
import { WardenError } from '../errors';
import { exportFile, type RowShape } from '../export/export-file';
import { withFileLock } from '../ledger/file-lock';
import { Ledger } from '../ledger/ledger';
import { localIdentity } from '../operator-identity';
import { IncidentActivity } from '../proof/incident-activity';
import { alarmOf } from '../proof/revocation-watch';
import type { ChooseSavePath } from '../revocation/evidence';
import type { People, RunRecorder } from './people';
import { targetOf, type PeopleConnections, type PeopleTarget } from './people-connections';

export const INCIDENTS_FILE = 'incidents.json';

/** Runs older than this are not checked in the background: no session lives that long (the watch's own limit). */
const BACKGROUND_WINDOW_MS = 30 * 24 * 3_600_000;

const FileSchema = z.strictObject({ version: z.literal(1), incidents: z.array(IncidentSummarySchema) });

/**
 * Incidents (issue 18): a person pinned to a reference, and the runs of every revocation made for
 * it, kept in `incidents.json` in the data directory (written atomically, under a lock shared with
 * the command line). What was revoked where is read back from each connection's ledger, never
 * from this file: it holds only references.
 */
export class Incidents implements RunRecorder {
  readonly #path: string;
  readonly #connections: PeopleConnections;
  readonly #people: People;
  readonly #clock: () => number;
  readonly #operator: () => string;

  readonly #activity: IncidentActivity;
  #timer: ReturnType<typeof setInterval> | null = null;
  #round: Promise<unknown> | null = null;

  constructor(options: { connections: PeopleConnections; people: People; clock?: () => number; operator?: () => string; activityTimeoutMs?: number }) {
    this.#connections = options.connections;
    this.#path = join(options.connections.dataDir, INCIDENTS_FILE);
    this.#people = options.people;
    this.#clock = options.clock ?? Date.now;
    this.#operator = options.operator ?? (() => localIdentity().name);
    this.#activity = new IncidentActivity({ connections: options.connections, clock: this.#clock, ...(options.activityTimeoutMs !== undefined ? { timeoutMs: options.activityTimeoutMs } : {}) });
  }

  /**
   * Checks every incident's connections for use after revocation every `everyMs` (default five
   * minutes) while the app runs, so a store that still accepts a revoked session raises its alarm
   * (ledger entry and notification) without the incident view open. One round at a time.
   */
  start(everyMs = 5 * 60_000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#round ??= this.checkAll()
        .catch(() => undefined)
        .finally(() => (this.#round = null));
    }, everyMs);
    this.#timer.unref?.();
  }

  /** Stops the background checks; resolves once a round under way has ended (its stores closed). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#round;
  }

  /** One background round: the runs of every incident (last 30 days), each checked on its own connection. */
  async checkAll(): Promise<IncidentActivityCheck[]> {
    const runs = new Map<string, string>();
    const since = this.#clock() - BACKGROUND_WINDOW_MS;
    for (const incident of await this.#read()) for (const r of incident.runs) if (Date.parse(r.at) >= since) runs.set(r.run, r.connection);
    const targets: PeopleTarget[] = [];
    for (const ref of new Set(runs.values())) {
      try {
        targets.push(await targetOf(this.#connections, ref));
      } catch {
        // deleted since: its revocations stay in the ledger, its store is gone from here
      }
    }
    return targets.length > 0 ? this.#activity.check(targets, runs) : [];
  }

  async list(): Promise<{ incidents: IncidentSummary[] }> {
    return { incidents: await this.#read() };
  }

  /** Pins a person to a reference; pinning again adds connections and replaces the note. */
  pin({ incident, person, connections, note }: ParsedRequestOf<'incidents:pin'>): Promise<IncidentSummary> {
    return this.#change((all) => {
      const existing = all.find((i) => i.incident === incident);
      if (existing && existing.person.toLowerCase() !== person.toLowerCase()) {
        throw new WardenError('VALIDATION', `Incident ${incident} is pinned to ${existing.person}, not ${person}: use another reference for another person.`);
      }
      const pinned: IncidentSummary = existing
        ? { ...existing, connections: union(existing.connections, connections), ...(note !== undefined ? { note } : {}) }
        : { incident, person, connections: [...connections], pinnedAt: new Date(this.#clock()).toISOString(), pinnedBy: this.#operator(), ...(note !== undefined ? { note } : {}), runs: [] };
      return { next: existing ? all.map((i) => (i === existing ? pinned : i)) : [...all, pinned], value: pinned };
    });
  }

  /** Refuses an incident pinned to another person (as pinning it to them would be). */
  async check(incident: string, person: string): Promise<void> {
    const existing = (await this.#read()).find((i) => i.incident === incident);
    if (existing && existing.person.toLowerCase() !== person.toLowerCase()) {
      throw new WardenError('VALIDATION', `Incident ${incident} is pinned to ${existing.person}, not ${person}: nothing was revoked. Use another reference for another person.`);
    }
  }

  /** Records a revocation's runs on the incident (pinning it first if it was not). */
  async record(incident: string, person: string, runs: { connection: string; run: string }[]): Promise<void> {
    const at = new Date(this.#clock()).toISOString();
    await this.#change((all) => {
      const existing = all.find((i) => i.incident === incident);
      const base: IncidentSummary = existing ?? { incident, person, connections: [], pinnedAt: at, pinnedBy: this.#operator(), runs: [] };
      const known = new Set(base.runs.map((r) => r.run));
      const updated: IncidentSummary = {
        ...base,
        connections: union(base.connections, runs.map((r) => r.connection)),
        runs: [...base.runs, ...runs.filter((r) => !known.has(r.run)).map((r) => ({ ...r, at }))],
      };
      return { next: existing ? all.map((i) => (i === existing ? updated : i)) : [...all, updated], value: undefined };
    });
  }

  /** The incident now: a fresh search of its connections, what was revoked where (each ledger), and use after revocation. */
  async get(incident: string): Promise<IncidentView> {
    const summary = (await this.#read()).find((i) => i.incident === incident);
    if (!summary) throw new WardenError('VALIDATION', `No incident ${incident} is pinned here.`);
    // A connection deleted since is left out of the search; its revocations stay in the ledger.
    const live: string[] = [];
    const names = new Map<string, { name: string; ledgerPath: string }>();
    const targets: PeopleTarget[] = [];
    for (const ref of summary.connections) {
      try {
        const target = await targetOf(this.#connections, ref);
        live.push(ref);
        targets.push(target);
        names.set(ref, { name: target.heading.name, ledgerPath: target.ledgerPath });
      } catch {
        // deleted: nothing to search
      }
    }
    const runs = new Map(summary.runs.map((r) => [r.run, r.connection]));
    // Use after revocation is checked on every connection (alarms into each ledger) while the search runs; the ledgers are read after both.
    const [now, activity] = await Promise.all([
      live.length > 0 ? this.#people.find({ person: summary.person, connections: live }) : { person: summary.person, searchedAt: new Date(this.#clock()).toISOString(), groups: [] },
      this.#activity.check(targets, runs),
    ]);
    const revoked: IncidentView['revoked'] = [];
    const alarms: IncidentView['alarms'] = [];
    for (const path of new Set([...names.values()].map((n) => n.ledgerPath))) {
      for await (const e of new Ledger(path).entries()) {
        const ref = runs.get(e.run);
        if (ref === undefined) continue;
        if (e.kind === 'outcome') revoked.push({ connection: e.connection, run: e.run, id: e.sessionId, user: namedHere(now, ref, e.sessionId, e.user), outcome: e.outcome ?? 'failed', at: e.time, ...(e.closedAt ? { closedAt: e.closedAt } : {}) });
        if (e.kind === 'alarm' && e.activity) alarms.push({ connection: e.connection, ...alarmOf(e, e.activity) });
      }
    }
    return { summary, now, revoked, alarms, activity };
  }

  /** The incident as one file (CSV or JSON, a row per group, revoked session, still-open session and alarm) with its manifest. */
  async export({ incident, format }: ParsedRequestOf<'incidents:export'>, choose: ChooseSavePath = this.#connections.desktop.chooseSavePath): Promise<ResponseOf<'incidents:export'>> {
    const view = await this.get(incident);
    const path = await choose(`incident-${incident.replace(/[^A-Za-z0-9._-]/g, '_')}.${format}`);
    if (path === null) return { saved: false, files: [], rows: 0 };
    const rows = incidentRows(view);
    const written = await exportFile({
      path,
      format,
      shape: INCIDENT_SHAPE,
      pages: (async function* () {
        yield rows;
      })(),
      signal: new AbortController().signal,
      manifest: {
        kind: 'incident',
        incident: view.summary.incident,
        person: view.summary.person,
        pinnedAt: view.summary.pinnedAt,
        pinnedBy: view.summary.pinnedBy,
        connections: view.now.groups.map((g) => ({ id: g.connection.id, name: g.connection.name, environment: g.connection.environment, fingerprint: g.connection.fingerprint, state: g.state })),
        runs: view.summary.runs,
        searchedAt: view.now.searchedAt,
        exportedAt: new Date(this.#clock()).toISOString(),
        exportedBy: this.#operator(),
      },
    });
    return { saved: true, files: [written.fileName, written.manifestFileName], rows: written.rows };
  }

  async #read(): Promise<IncidentSummary[]> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = FileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new WardenError('VALIDATION', `${this.#path} is not an incidents file Session Warden can read: ${parsed.error.issues[0]?.message ?? 'malformed'}.`);
    return parsed.data.incidents;
  }

  /** One change at a time across processes (the app and the command line): read, change, write atomically. */
  #change<T>(change: (all: IncidentSummary[]) => { next: IncidentSummary[]; value: T }): Promise<T> {
    return withFileLock(`${this.#path}.lock`, async () => {
      const { next, value } = change(await this.#read());
      await writeFileAtomic(this.#path, `${JSON.stringify({ version: 1, incidents: next }, null, 2)}\n`, `${this.#path}.${randomUUID()}.tmp`);
      return value;
    });
  }
}

/**
 * A revoked session's user as its connection names the person: the session's e-mail where the
 * connection's identity map names people by e-mail (a PostgreSQL user_id is a uuid nobody
 * recognises), else the store's user field the ledger kept.
 */
function namedHere(now: IncidentView['now'], ref: string, sessionId: string, stored: string): string {
  const group = now.groups.find((g) => g.connection.id === ref);
  if (group?.identity?.key !== 'email') return stored;
  return group.sessions.find((s) => s.id === sessionId)?.email ?? group.identity.name;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** One line of an incident bundle. */
interface IncidentRow {
  record: 'group' | 'revoked' | 'open' | 'alarm';
  connection: string;
  sessionId?: string | undefined;
  user?: string | undefined;
  state: string;
  at?: string | null | undefined;
  detail?: string | undefined;
}

function incidentRows(view: IncidentView): IncidentRow[] {
  const rows: IncidentRow[] = [];
  for (const g of view.now.groups) {
    const c = g.counts;
    const exposure = g.exposure.live ? 'live sessions' : g.exposure.until ? `credentials usable until ${g.exposure.until}` : 'none';
    rows.push({ record: 'group', connection: g.connection.name, state: g.state, at: g.lastActivityAt, detail: g.problem ?? `${g.identity?.key ?? ''} ${g.identity?.name ?? ''}; live ${c.active}, revoked ${c.revoked}, expired ${c.expired}; exposure: ${exposure}` });
    for (const s of g.sessions) if (s.status === 'active') rows.push({ record: 'open', connection: g.connection.name, sessionId: s.id, user: s.user, state: s.status, at: s.lastAccessAt });
  }
  for (const r of view.revoked) rows.push({ record: 'revoked', connection: r.connection, sessionId: r.id, user: r.user, state: r.outcome, at: r.at, detail: r.closedAt ? `fully closed at ${r.closedAt}` : undefined });
  for (const a of view.alarms) rows.push({ record: 'alarm', connection: a.connection, sessionId: a.sessionId, user: a.user, state: 'activity after revocation', at: a.time, detail: a.summary });
  return rows;
}

const INCIDENT_SHAPE: RowShape<IncidentRow> = {
  columns: ['record', 'connection', 'session_id', 'user', 'state', 'at', 'detail'],
  cells: (r) => [r.record, r.connection, r.sessionId, r.user, r.state, r.at, r.detail],
  json: (r) => r,
};
