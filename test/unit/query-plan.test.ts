import { describe, expect, it } from 'vitest';
import { planQuery, statusesOf, type SessionFilter } from '../../src-main/sentinel/query-plan';
import type { SessionsQueryRequest } from '../../src-shared/contract';

type Loose = Omit<Partial<SessionFilter>, 'statuses'> & { status?: SessionsQueryRequest['status'] };
const plan = ({ status = 'active', ...rest }: Loose) => planQuery({ statuses: statusesOf(status), ...rest });
const indexes = (filter: Loose) => plan(filter).reads.map((r) => r.index);

describe('the query planner', () => {
  it('uses gsi-status for a status alone; expired reads two partitions (derived status)', () => {
    expect(indexes({})).toEqual(['gsi-status']);
    expect(plan({ status: 'expired' }).reads.map((r) => [r.partition?.value, r.ttl])).toEqual([
      ['active', 'past'],
      ['expired', undefined],
    ]);
    // Active and expired together: stored active without a ttl pre-filter.
    expect(plan({ status: ['active', 'expired', 'active'] }).reads.map((r) => [r.partition?.value, r.ttl])).toEqual([
      ['active', undefined],
      ['expired', undefined],
    ]);
    expect(plan({ status: ['revoked', 'active', 'expired'] }).reads.map((r) => r.index)).toEqual(['gsi-status', 'gsi-status', 'gsi-status']);
  });

  it('prefers the most selective index: user, then profile, then server instance', () => {
    expect(indexes({ user: 'a', profile: 'p', serverInstance: 'i' })).toEqual(['gsi-user']);
    expect(indexes({ profile: 'p', serverInstance: 'i' })).toEqual(['gsi-profile']);
    expect(indexes({ serverInstance: 'i' })).toEqual(['gsi-server-instance']);
    expect(indexes({ status: 'any', user: 'a' })).toEqual(['gsi-user']);
  });

  it('turns the other filters into server-side filters', () => {
    const read = plan({ user: 'a', profile: 'p', serverInstance: 'i', status: 'revoked' }).reads[0];
    expect(read).toMatchObject({ partition: { attribute: 'user', value: 'a' }, equals: { profile: 'p', server_instance_id: 'i' }, storedStatuses: ['revoked'], ordered: true });
    expect(plan({ serverInstance: 'i' }).reads[0]).toMatchObject({ ordered: false, sortKey: { attribute: 'status', value: 'active' } });
    expect(plan({ serverInstance: 'i', status: 'expired' }).reads.map((r) => r.sortKey?.value)).toEqual(['active', 'expired']);
    // A ttl pre-filter would drop gracefully expired sessions whose ttl is still ahead.
    expect(plan({ user: 'a', status: 'expired' }).reads[0]).toMatchObject({ storedStatuses: ['active', 'expired'] });
    expect(plan({ user: 'a', status: 'expired' }).reads[0]?.ttl).toBeUndefined();
    expect(plan({ user: 'a', status: ['active', 'revoked'] }).reads[0]?.ttl).toBeUndefined();
  });

  it('never scans: every status is the three gsi-status partitions, read in time order', () => {
    expect(indexes({ status: 'any' })).toEqual(['gsi-status', 'gsi-status', 'gsi-status']);
    expect(plan({ status: 'any' }).reads.map((r) => [r.partition?.value, r.ordered, r.ttl])).toEqual([
      ['active', true, undefined],
      ['revoked', true, undefined],
      ['expired', true, undefined],
    ]);
    expect(indexes({ status: 'any', since: '2026-11-22T00:00:00.000000000Z' })).toEqual(['gsi-status', 'gsi-status', 'gsi-status']);
  });

  it('binds cursors to the whole filter', () => {
    expect(plan({ user: 'a' }).key).not.toBe(plan({ user: 'b' }).key);
    expect(plan({ user: 'a', since: '2026-11-22T00:00:00.000000000Z' }).key).not.toBe(plan({ user: 'a' }).key);
  });
});
