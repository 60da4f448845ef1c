import { describe, expect, it } from 'vitest';
import { readUserList } from '../../src-shared/user-list';

describe('reading a list of leavers', () => {
  it('splits a line of several names instead of keeping only the first, and says so', () => {
    const read = readUserList('alice\nolivia.reyes;pavel.novak\ngrace.ho\n');
    expect(read.names).toEqual(['alice', 'olivia.reyes', 'pavel.novak', 'grace.ho']);
    expect(read.notes).toEqual([{ line: 2, kind: 'split', text: 'olivia.reyes;pavel.novak', detail: 'read as 2 names: olivia.reyes, pavel.novak' }]);
  });

  it('takes the first column of an HR export, skips its heading, and reports what it dropped', () => {
    const read = readUserList('user,name,leaving\r\nhank.leaver,Hank Moody,2026-11-30\r\n"ivy.never",Ivy,2026-12-01\r\n');
    expect(read.names).toEqual(['hank.leaver', 'ivy.never']);
    expect(read.notes.map((n) => [n.line, n.kind])).toEqual([
      [1, 'header'],
      [2, 'columns'],
      [3, 'columns'],
    ]);
    expect(read.notes[1]?.detail).toBe('first column used: “hank.leaver”; ignored: Hank Moody, 2026-11-30');
    // A single capitalised second field is a display name, not a second user.
    expect(readUserList('ivy.never,Ivy').names).toEqual(['ivy.never']);
  });

  it('counts a repeated name once and reports comments; blank lines say nothing', () => {
    const read = readUserList('# HR ticket 77\n\nalice\n  alice  \nbob.x@example.com\n');
    expect(read.names).toEqual(['alice', 'bob.x@example.com']);
    expect(read.notes).toEqual([
      { line: 1, kind: 'comment', text: '# HR ticket 77', detail: 'comment: ignored' },
      { line: 4, kind: 'duplicate', text: 'alice', detail: '“alice” is already on line 3: counted once' },
    ]);
  });

  it('does not take a name on the first line for a heading', () => {
    expect(readUserList('alice\nbob').names).toEqual(['alice', 'bob']);
  });
});
