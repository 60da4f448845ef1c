/**
 * A pasted or imported list of user names: one per line; blank lines and `#` comments ignored;
 * of a CSV line (an HR export) the first field is used, unquoted. Duplicates are dropped,
 * first occurrence kept.
 */
export function parseUserList(text: string): string[] {
  const users = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => (line.split(/[,;\t]/)[0] ?? '').trim().replace(/^"(.*)"$/, '$1').trim())
    .filter(Boolean);
  return [...new Set(users)];
}
