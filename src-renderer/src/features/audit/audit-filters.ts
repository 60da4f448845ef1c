import { create } from 'zustand';
import type { AuditRow, LedgerFilter } from '../../../../src-shared/audit';
import { REASON_LABELS, type ReasonCode } from '../../../../src-shared/reason-codes';

/** The audit filters as the form holds them: empty means "any"; times are `datetime-local` values read as UTC. */
export interface AuditFilters {
  text: string;
  operator: string;
  connection: string;
  /** A desk's device id on the team ledger. */
  device: string;
  reasonCode: '' | ReasonCode;
  outcome: '' | AuditRow['outcome'];
  since: string;
  until: string;
  /** Revoke runs (a revocation and its retries), space-separated; set by "Open in Audit". */
  runs: string;
}

const NO_FILTERS: AuditFilters = { text: '', operator: '', connection: '', device: '', reasonCode: '', outcome: '', since: '', until: '', runs: '' };

/** The Audit screen's filters (UI state, kept while the app runs so that other screens can open Audit filtered). */
export const useAuditFilters = create<AuditFilters & { offset: number; set: (patch: Partial<AuditFilters>) => void; clearAll: () => void; setOffset: (offset: number) => void }>((set) => ({
  ...NO_FILTERS,
  offset: 0,
  // A new filter starts from its first page.
  set: (patch) => set({ ...patch, offset: 0 }),
  clearAll: () => set({ ...NO_FILTERS, offset: 0 }),
  setOffset: (offset) => set({ offset }),
}));

/** `2026-10-01T08:30` (a datetime-local value) as UTC: the start of that minute, or its end for an upper bound. */
function utcOf(value: string, end: boolean): string | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(value) || Number.isNaN(Date.parse(`${value}:00Z`))) return undefined;
  return `${value}${end ? ':59.999' : ':00.000'}Z`;
}

/** The request filter for the form: exactly what the table shows and an export holds. */
export function ledgerFilterOf(f: AuditFilters): LedgerFilter {
  const since = utcOf(f.since, false);
  const until = utcOf(f.until, true);
  return {
    ...(f.text.trim() ? { text: f.text.trim() } : {}),
    ...(f.operator ? { operator: f.operator } : {}),
    ...(f.connection ? { connection: f.connection } : {}),
    ...(f.device ? { device: f.device } : {}),
    ...(f.reasonCode ? { reasonCode: f.reasonCode } : {}),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(f.runs.trim() ? { runs: f.runs.trim().split(/\s+/) } : {}),
  };
}

export interface Chip {
  key: keyof AuditFilters;
  label: string;
}

export function chipsOf(f: AuditFilters): Chip[] {
  const at = (value: string) => `${value.replace('T', ' ')} UTC`;
  const chips: Chip[] = [];
  const runs = f.runs.trim() ? f.runs.trim().split(/\s+/) : [];
  if (runs.length > 0) chips.push({ key: 'runs', label: `run ${runs[0]?.slice(0, 8)}${runs.length > 1 ? ` and ${runs.length - 1} ${runs.length === 2 ? 'retry' : 'retries'}` : ''}` });
  if (f.text.trim()) chips.push({ key: 'text', label: `search: ${f.text.trim()}` });
  if (f.operator) chips.push({ key: 'operator', label: `operator: ${f.operator}` });
  if (f.connection) chips.push({ key: 'connection', label: `connection: ${f.connection}` });
  if (f.device) chips.push({ key: 'device', label: `desk: ${shortDevice(f.device)}` });
  if (f.reasonCode) chips.push({ key: 'reasonCode', label: `reason: ${REASON_LABELS[f.reasonCode]}` });
  if (f.outcome) chips.push({ key: 'outcome', label: `outcome: ${f.outcome.replace('_', ' ')}` });
  if (utcOf(f.since, false)) chips.push({ key: 'since', label: `from ${at(f.since)}` });
  if (utcOf(f.until, true)) chips.push({ key: 'until', label: `to ${at(f.until)}` });
  return chips;
}


/** A desk's device id as the table shows it: its first eight hex digits (the whole id is on hover). */
export function shortDevice(device: string): string {
  return device.slice(0, 8);
}
