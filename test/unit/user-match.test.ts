import { describe, expect, it } from 'vitest';
import { UserDirectory } from '../../src-main/users/user-directory';
import { editDistance, matchUser, suggestUsers, type DirectoryUser } from '../../src-main/users/user-match';

const users: DirectoryUser[] = [
  { user: 'alice', live: 19, emails: [] },
  { user: 'alicia.m', live: 2, emails: [] },
  { user: 'grace.ho', live: 3, emails: [] },
  { user: 'bob', live: 1, emails: [] },
  { user: 'u-7f3a', live: 4, emails: ['Olivia.Reyes@Example.com'] },
];

describe('matching a typed user name against the users the store holds', () => {
  it('takes an exact name as it is, and trims it', () => {
    expect(matchUser('alice', users)).toEqual({ match: 'exact', user: 'alice', live: 19 });
    expect(matchUser('  alice \t', users)).toEqual({ match: 'exact', user: 'alice', live: 19 });
  });

  it('resolves a name in another case to the one user it means', () => {
    expect(matchUser('Alice', users)).toEqual({ match: 'resolved', user: 'alice', live: 19, how: 'case' });
    expect(matchUser('Grace.Ho', users)).toEqual({ match: 'resolved', user: 'grace.ho', live: 3, how: 'case' });
  });

  it('maps an e-mail to the user name the store uses: by a recorded e-mail, else by its local part', () => {
    const sentinel = users.filter((u) => u.emails.length === 0);
    expect(matchUser('grace.ho@example.com', sentinel)).toEqual({ match: 'resolved', user: 'grace.ho', live: 3, how: 'email' });
    expect(matchUser('olivia.reyes@example.com', users)).toEqual({ match: 'resolved', user: 'u-7f3a', live: 4, how: 'email' });
  });

  it('maps an e-mail by its local part only in a store that records no e-mails', () => {
    // This store records e-mails: an address nobody has is nobody's, whatever its local part.
    const withEmails = [...users, { user: 'j.smith', live: 2, emails: ['j.smith@corp.example'] }];
    expect(matchUser('j.smith@contractor.example', withEmails)).toEqual({ match: 'none' });
    expect(matchUser('j.smith@corp.example', withEmails)).toMatchObject({ match: 'resolved', user: 'j.smith', how: 'email' });
  });

  it('does not equate look-alike characters (full-width letters are another name)', () => {
    expect(matchUser('ａｌｉｃｅ', users)).toEqual({ match: 'none' });
  });

  it('never guesses between two users that differ only in case', () => {
    const twins = [...users, { user: 'ALICE', live: 1, emails: [] }];
    expect(matchUser('Alice', twins)).toEqual({ match: 'none' });
    expect(suggestUsers('Alice', twins).map((s) => s.user)).toEqual(['alice', 'ALICE']);
    // An exact name still wins over its twin.
    expect(matchUser('ALICE', twins)).toMatchObject({ match: 'exact', user: 'ALICE' });
  });

  it('suggests names that start with the text, then near spellings, busiest first', () => {
    expect(matchUser('ali', users)).toEqual({ match: 'none' });
    expect(suggestUsers('ali', users)).toEqual([
      { user: 'alice', live: 19, why: 'prefix' },
      { user: 'alicia.m', live: 2, why: 'prefix' },
    ]);
    expect(suggestUsers('alcie', users)[0]).toEqual({ user: 'alice', live: 19, why: 'similar' });
    expect(suggestUsers('grace.hoo', users)).toEqual([{ user: 'grace.ho', live: 3, why: 'similar' }]);
    expect(suggestUsers('zzz', users)).toEqual([]);
  });

  it('offers the same name in another case first', () => {
    expect(suggestUsers('ALICE', users)[0]).toEqual({ user: 'alice', live: 19, why: 'case' });
  });

  it('counts a swapped pair of letters as one edit', () => {
    expect(editDistance('alcie', 'alice')).toBe(1);
    expect(editDistance('bob', 'bob')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('the user directory', () => {
  it('gathers once for concurrent lookups, keeps the result for its age, and gathers again after invalidate', async () => {
    let gathered = 0;
    let now = 1_000_000;
    const source = {
      activeUsers: async () => {
        gathered += 1;
        return users;
      },
      hasUser: async (user: string) => (user === 'Alice' ? null : false),
    };
    const directory = new UserDirectory(source, { maxAgeMs: 30_000, clock: () => now });
    const [a, b] = await Promise.all([directory.lookup('Alice'), directory.lookup('ali')]);
    expect(gathered).toBe(1);
    expect(a).toMatchObject({ text: 'Alice', match: 'resolved', user: 'alice', how: 'case', live: 19, known: null });
    expect(b).toMatchObject({ match: 'none', live: 0, known: false, suggestions: [{ user: 'alice', live: 19, why: 'prefix' }, { user: 'alicia.m' }] });
    expect(b.directory).toEqual({ users: 5, asOf: new Date(1_000_000).toISOString() });
    now += 29_000;
    await directory.lookup('bob');
    expect(gathered).toBe(1);
    now += 2_000;
    await directory.lookup('bob');
    expect(gathered).toBe(2);
    directory.invalidate();
    await directory.lookup('bob');
    expect(gathered).toBe(3);
  });

  it('takes an exact name the store holds (nothing live) over the live user another case points to', async () => {
    const directory = new UserDirectory({ activeUsers: async () => users, hasUser: async (u) => u === 'Alice' });
    const found = await directory.lookup('Alice');
    expect(found).toMatchObject({ match: 'none', known: true, live: 0 });
    expect(found.suggestions[0]).toEqual({ user: 'alice', live: 19, why: 'case' });
  });

  it('does not cache a gathering that began before an invalidation', async () => {
    let release: (v: DirectoryUser[]) => void = () => undefined;
    let calls = 0;
    const directory = new UserDirectory({
      activeUsers: () => {
        calls += 1;
        return calls === 1 ? new Promise<DirectoryUser[]>((r) => (release = r)) : Promise.resolve([{ user: 'bob', live: 0, emails: [] }]);
      },
      hasUser: async () => false,
    });
    const stale = directory.users();
    directory.invalidate();
    release(users);
    await stale;
    expect((await directory.users()).users).toEqual([{ user: 'bob', live: 0, emails: [] }]);
    expect(calls).toBe(2);
  });

  it('does not offer the resolved user again among the suggestions', async () => {
    const directory = new UserDirectory({ activeUsers: async () => users, hasUser: async () => false });
    const found = await directory.lookup('Alice');
    expect(found.suggestions.map((s) => s.user)).not.toContain('alice');
    expect((await directory.lookup('Ali')).suggestions.map((s) => s.user)).toEqual(['alice', 'alicia.m']);
  });
});
