import { describe, expect, it } from 'vitest';
import { SessionsQueryRequestSchema } from '../../src-shared/contract';
import { DEFAULT_FILTERS, FILTERS_VERSION, migrateFilters, queryOf, type SessionFilters } from '../../src-renderer/src/features/sessions/filter-query';
import { looksLikeAddress } from '../../src-renderer/src/features/sessions/session-fields';
import { POSTGRES_CAPABILITIES } from '../../src-main/postgres/capabilities';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { WEB_SESSION_CAPABILITIES } from '../../src-main/web-sessions/capabilities';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const filters = (patch: Partial<SessionFilters>): SessionFilters => ({ ...DEFAULT_FILTERS, ...patch });

describe('queryOf: the store query for the filter bar', () => {
  const typed = filters({ device: ' iPhone ', ipAddress: '10.1.0.0/16', search: ' alice ', profile: 'admin', serverInstance: 'i-1' });

  it('sends device, IP address and the search box as `text` where the store serves them (PostgreSQL)', () => {
    const query = queryOf(typed, NOW, POSTGRES_CAPABILITIES.filters);
    expect(query).toEqual({ status: ['active'], device: 'iPhone', ipAddress: '10.1.0.0/16', text: 'alice' });
    // What main parses: the renderer's query is a valid request.
    expect(SessionsQueryRequestSchema.safeParse({ ...query, limit: 50 }).success).toBe(true);
  });

  it('sends none of them to a store that does not serve them; the search box stays a search of loaded rows', () => {
    expect(queryOf(typed, NOW, SENTINEL_CAPABILITIES.filters)).toEqual({ status: ['active'], profile: 'admin', serverInstance: 'i-1' });
    expect(queryOf(typed, NOW, WEB_SESSION_CAPABILITIES.filters)).toEqual({ status: ['active'] });
  });

  it('leaves out empty and blank values', () => {
    expect(queryOf(filters({ device: '  ', ipAddress: '', search: ' ' }), NOW, POSTGRES_CAPABILITIES.filters)).toEqual({ status: ['active'] });
  });

  it('keeps filters saved by version 2 (no device or address) with the new fields empty', () => {
    expect(FILTERS_VERSION).toBe(3);
    const v2 = { statuses: ['revoked'], user: 'alice', profile: '', serverInstance: '', range: 'all', customSince: '', customUntil: '', search: 'x', revokedSince: '', revokedUntil: '', reasonCode: '' };
    expect(migrateFilters(v2)).toEqual({ ...DEFAULT_FILTERS, statuses: ['revoked'], user: 'alice', search: 'x', device: '', ipAddress: '' });
  });
});

describe('looksLikeAddress: when the IP field takes effect', () => {
  it.each(['10.1.2.3', '10.1.0.0/16', '0.0.0.0/0', '2001:db8::1', '2001:db8::/32', '::1', '::', 'fe80::1:2:3:4', '::ffff:10.1.2.3', '1:2:3:4:5:6:7:8'])('%s: yes', (text) => {
    expect(looksLikeAddress(text)).toBe(true);
  });
  it.each(['', '10', '10.1.', '10.1.0.0/', '10.1.0.0/33', '300.1.2.3', '2001:db8:', '2001:db8::/129', '1::2::3', 'alice', '10.1.2.3/16/1', ':1:2'])('%s: not yet', (text) => {
    expect(looksLikeAddress(text)).toBe(false);
  });
});
