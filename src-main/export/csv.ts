import { stringify } from 'csv-stringify/sync';

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return at the
 * start) gets a leading apostrophe, so an exported user name like `=HYPERLINK(...)` stays text.
 */
export function escapeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export type Cell = string | number | boolean | null | undefined;

/** RFC 4180 CSV (CRLF line ends, quoted where needed) with every cell escaped against formulas. */
export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return csvLines([header, ...rows]);
}

/** A lone `\r` or `\n` in a cell: csv-stringify quotes CRLF, commas and quotes itself, these on request. */
const LINE_BREAK = /[\r\n]/;

/**
 * CSV lines for rows (no header), each cell escaped against formulas, each line ended by CRLF:
 * for writing a file in parts. A cell holding a comma, a quote or a line break is quoted, with
 * its quotes doubled.
 */
export function csvLines(rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : escapeFormula(String(cell)))));
  return stringify(cells, { record_delimiter: 'windows', quoted_match: LINE_BREAK });
}
