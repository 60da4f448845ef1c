import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import type { RequestOf } from '../../../src-shared/contract';
import type { PeopleFindResponse, PeopleRevokeGroup, PeopleRevokeRequest, PeopleRevokeResponse } from '../../../src-shared/people';
import type { RevokeResult } from '../../../src-shared/revocation';
import { refreshSessionsAfter } from './use-revoke';
import { wardenClient } from './warden-client';

/** Searches the selected connections for one person (each in parallel, in main). */
export function usePeopleFind() {
  return useMutation<PeopleFindResponse, Error, RequestOf<'people:find'>>({ mutationFn: (request) => wardenClient.people.find(request) });
}

/** Outcomes that settle a session: nothing left to try for it. */
const SETTLED = new Set<RevokeResult['outcome']>(['revoked', 'already_revoked', 'expired', 'not_found']);

/** One connection's part of a revoke-everywhere, with its retries folded in: each session's latest result. */
export interface PeopleRevokeConnection {
  latest: PeopleRevokeGroup;
  /** The session ids confirmed for this connection. */
  ids: string[];
  fingerprint: string;
  results: RevokeResult[];
  /** Ids to try again: failed ones, and those a broken-off run never reached. */
  failed: string[];
}

export interface PeopleRevokeOutcome {
  operator: string;
  incident?: string | undefined;
  /** The latest attempt's revocations could not be noted on the incident (they are in each ledger). */
  incidentProblem?: string | undefined;
  connections: PeopleRevokeConnection[];
  /** Every run of the first attempt and its retries, per connection: the evidence covers them all. */
  runs: { connection: string; run: string }[];
  attempts: number;
}

function fold(previous: PeopleRevokeOutcome | null, request: PeopleRevokeRequest, response: PeopleRevokeResponse): PeopleRevokeOutcome {
  const byConnection = new Map((previous?.connections ?? []).map((c) => [c.latest.connection.id, c] as const));
  for (const group of response.groups) {
    const target = request.targets.find((t) => t.connection === group.connection.id);
    const before = byConnection.get(group.connection.id);
    const ids = before?.ids ?? target?.ids ?? [];
    const results = new Map((before?.results ?? []).map((r) => [r.id, r] as const));
    for (const r of group.results) results.set(r.id, r);
    const merged = ids.map((id) => results.get(id)).filter((r): r is RevokeResult => r !== undefined);
    // Sessions found besides the confirmed ones (started meanwhile) are shown too.
    for (const r of results.values()) if (!ids.includes(r.id)) merged.push(r);
    // Refused (read-only, or the connection changed since the search) is not retried: nothing was tried there.
    // Those main found beyond the listed ones (every live session, read at revocation) are retried by id too.
    const failed = group.state === 'refused' ? [] : [...ids.filter((id) => !SETTLED.has(results.get(id)?.outcome ?? 'failed')), ...merged.filter((r) => !ids.includes(r.id) && !SETTLED.has(r.outcome)).map((r) => r.id)];
    byConnection.set(group.connection.id, { latest: group, ids, fingerprint: target?.fingerprint ?? before?.fingerprint ?? group.connection.fingerprint, results: merged, failed });
  }
  const runs = [...(previous?.runs ?? []), ...response.groups.flatMap((g) => (g.run ? [{ connection: g.connection.id, run: g.run }] : []))];
  return { operator: response.operator, incident: response.incident ?? previous?.incident, incidentProblem: response.incidentProblem, connections: [...byConnection.values()], runs, attempts: (previous?.attempts ?? 0) + 1 };
}

/**
 * Revoke everywhere: one request naming each connection's confirmed sessions; the outcome per
 * connection and per session; "retry what failed" sends only the failed sessions of the failed
 * connections again with the same reason, ticket and incident.
 */
export function usePeopleRevoke() {
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<PeopleRevokeOutcome | null>(null);
  const [confirmed, setConfirmed] = useState<PeopleRevokeRequest | null>(null);
  const mutation = useMutation<PeopleRevokeResponse, Error, { request: PeopleRevokeRequest; retry: boolean }>({
    mutationFn: ({ request }) => wardenClient.people.revoke(request),
    onSuccess: (response, { request, retry }) => {
      if (!retry) setConfirmed(request);
      setOutcome((previous) => fold(retry ? previous : null, request, response));
    },
    // The Sessions list may hold this person's sessions on the active connection: those it has
    // loaded are read back by id (ids of other connections are simply not among its rows). A run
    // that broke off may have written more than it reported: then every sessions view loads again.
    onSettled: (response) => refreshSessionsAfter(queryClient, response && !response.groups.some((g) => g.state === 'failed') ? response.groups.flatMap((g) => g.results) : undefined),
  });
  const { mutate, reset } = mutation;
  const start = useCallback((request: PeopleRevokeRequest) => mutate({ request, retry: false }), [mutate]);
  const failedTargets = outcome ? outcome.connections.filter((c) => c.failed.length > 0).map((c) => ({ connection: c.latest.connection.id, fingerprint: c.fingerprint, ids: c.failed })) : [];
  const retryFailed = () => {
    if (!confirmed || failedTargets.length === 0) return;
    const [first, ...rest] = failedTargets;
    if (!first) return;
    mutate({ request: { ...confirmed, targets: [first, ...rest] }, retry: true });
  };
  const clear = useCallback(() => {
    reset();
    setOutcome(null);
    setConfirmed(null);
  }, [reset]);
  return { ...mutation, start, reset: clear, outcome, confirmed, failedCount: failedTargets.reduce((n, t) => n + t.ids.length, 0), retryFailed };
}

export function usePeopleEvidence() {
  return useMutation({ mutationFn: (runs: { connection: string; run: string }[]) => wardenClient.people.evidence({ runs }) });
}

export const INCIDENTS_QUERY_KEY = ['incidents'] as const;

export function useIncidents() {
  return useQuery({ queryKey: INCIDENTS_QUERY_KEY, queryFn: async () => (await wardenClient.incidents.list()).incidents, retry: false });
}

export function useIncidentPin() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (request: RequestOf<'incidents:pin'>) => wardenClient.incidents.pin(request), onSuccess: () => queryClient.invalidateQueries({ queryKey: INCIDENTS_QUERY_KEY }) });
}

/** The incident view: a fresh search of its connections each time it is opened or refreshed. */
export function useIncident(incident: string | null) {
  return useQuery({
    queryKey: [...INCIDENTS_QUERY_KEY, incident],
    queryFn: () => wardenClient.incidents.get({ incident: incident ?? '' }),
    enabled: incident !== null,
    retry: false,
    refetchInterval: 30_000,
  });
}

export function useIncidentExport() {
  return useMutation({ mutationFn: (request: RequestOf<'incidents:export'>) => wardenClient.incidents.export(request) });
}
