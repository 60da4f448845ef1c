import { stringify } from 'csv-stringify/sync';

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return at the
 * start) gets a leading apostrophe, so an exported user name like `=HYPERLINK(...)` stays text.
 */
export function escapeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180 CSV (CRLF line ends, quoted where needed) with every cell escaped against formulas. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : escapeFormula(String(cell)))));
  return stringify([header.map(escapeFormula), ...cells], { record_delimiter: 'windows', quoted_match: /[",\r\n]/ });
}
