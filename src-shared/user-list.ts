/**
 * Reading a pasted or imported list of leavers. Every line that did not become exactly one name
 * is reported (split, columns dropped, a header, a repeat, a comment), so that a name lost while
 * reading (`olivia.reyes;pavel.novak` read as one name) is seen before the preview, never silently.
 */

/** What happened to one line of the list, besides becoming one name. */
export interface ListNote {
  /** 1-based line number in the text. */
  line: number;
  kind: 'split' | 'columns' | 'header' | 'duplicate' | 'comment';
  /** The line as it was, shortened. */
  text: string;
  /** For the operator: what was read from it. */
  detail: string;
}

export interface ReadList {
  /** Names in list order, each once (first occurrence kept). */
  names: string[];
  notes: ListNote[];
}

const HEADER_WORDS = new Set(['user', 'users', 'username', 'user name', 'user_name', 'login', 'userid', 'user id', 'user_id', 'email', 'e-mail', 'mail', 'name', 'account', 'leaver', 'leavers']);

/** A field that can be a user name or e-mail: no spaces, not a date or a plain number. */
function looksLikeName(field: string): boolean {
  return /^[^\s,;"']+$/.test(field) && !/^\d[\d\-/.:T]*Z?$/.test(field);
}

function fieldsOf(line: string): string[] {
  return line
    .split(/[,;\t]/)
    .map((f) => f.trim().replace(/^"(.*)"$/, '$1').trim())
    .filter(Boolean);
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/**
 * One name per line; blank lines skipped; `#` comments ignored (reported). A line of several
 * fields is either several names (every field looks like one, as in `olivia.reyes;pavel.novak`:
 * split, reported) or a table row (an HR export: its first field is the name, the rest is
 * reported as dropped). A first line that is a column heading (`user,name,date`) is skipped,
 * reported. A repeated name is counted once, reported.
 */
export function readUserList(text: string): ReadList {
  const names: string[] = [];
  const firstLine = new Map<string, number>();
  const notes: ListNote[] = [];
  let seenContent = false;
  const add = (name: string, line: number, raw: string) => {
    const before = firstLine.get(name);
    if (before !== undefined) {
      notes.push({ line, kind: 'duplicate', text: clip(raw), detail: `“${clip(name)}” is already on line ${before}: counted once` });
      return;
    }
    firstLine.set(name, line);
    names.push(name);
  };
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const trimmed = rawLine.trim();
    if (!trimmed) return;
    if (trimmed.startsWith('#')) {
      notes.push({ line, kind: 'comment', text: clip(trimmed), detail: 'comment: ignored' });
      return;
    }
    const fields = fieldsOf(trimmed);
    const first = !seenContent;
    seenContent = true;
    if (fields.length === 0) return;
    if (first && HEADER_WORDS.has((fields[0] as string).toLowerCase())) {
      notes.push({ line, kind: 'header', text: clip(trimmed), detail: 'a column heading: skipped' });
      return;
    }
    if (fields.length === 1) {
      add(fields[0] as string, line, trimmed);
      return;
    }
    if (fields.every(looksLikeName) && !fields.slice(1).every((f) => /^[A-Z][a-z]+$/.test(f))) {
      notes.push({ line, kind: 'split', text: clip(trimmed), detail: `read as ${fields.length} names: ${fields.map((f) => clip(f)).join(', ')}` });
      for (const f of fields) add(f, line, trimmed);
      return;
    }
    notes.push({ line, kind: 'columns', text: clip(trimmed), detail: `first column used: “${clip(fields[0] as string)}”; ignored: ${fields.slice(1).map((f) => clip(f)).join(', ')}` });
    add(fields[0] as string, line, trimmed);
  });
  return { names, notes };
}

/** The names of a list (see readUserList), for callers that report nothing. */
export function parseUserList(text: string): string[] {
  return readUserList(text).names;
}
