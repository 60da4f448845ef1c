/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return at the
 * start) gets a leading apostrophe, so an exported user name like `=HYPERLINK(...)` stays text.
 */
export function escapeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export type Cell = string | number | boolean | null | undefined;

/** Characters that make a cell quoted: the delimiter, the quote, a line break. */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One cell as RFC 4180 text: empty for null and undefined, escaped against formulas, quoted (with
 * inner quotes doubled) when it holds a comma, a quote or a line break.
 */
export function csvCell(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  const text = escapeFormula(typeof cell === 'string' ? cell : String(cell));
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV (CRLF line ends, quoted where needed) with every cell escaped against formulas. */
export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return csvLines([header, ...rows]);
}

/**
 * CSV lines for rows (no header), each cell escaped against formulas, each line ended by CRLF:
 * for writing a file in parts. Written by hand rather than through a CSV library: an export of a
 * million rows spent most of its own time there (see test/unit/csv.test.ts for the equivalence).
 */
export function csvLines(rows: readonly (readonly Cell[])[]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i += 1) out += i === 0 ? csvCell(row[i]) : `,${csvCell(row[i])}`;
    out += '\r\n';
  }
  return out;
}
