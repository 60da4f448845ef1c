import { stringify } from 'csv-stringify/sync';

/**
 * The first characters that make a spreadsheet read a cell as a formula (`=`, `+`, `-`, `@`, tab,
 * carriage return, and the full-width `＝` `＋` `－` `＠` that some spreadsheets read as the
 * same), as UTF-16 code units: the characters csv-stringify's own `escape_formulas` tests. A
 * PostgreSQL export tests the same in SQL (walk-row.ts).
 */
export const FORMULA_FIRST: readonly number[] = [61, 43, 45, 64, 9, 13, 0xff1d, 0xff0b, 0xff0d, 0xff20];

/**
 * A cell that begins with one of FORMULA_FIRST gets a leading apostrophe, so an exported user name
 * like `=HYPERLINK(...)` stays text. Unlike csv-stringify's `escape_formulas`, a number beginning
 * with `-` is escaped too (every cell reaches it as text).
 */
export function escapeFormula(value: string): string {
  // By character code, not a regular expression: an export tests every cell of every row.
  return FORMULA_FIRST.includes(value.charCodeAt(0)) ? `'${value}` : value;
}

export type Cell = string | number | boolean | null | undefined;

/** RFC 4180 CSV (CRLF line ends, quoted where needed) with every cell escaped against formulas. */
export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return csvLines([header, ...rows]);
}

/**
 * csv-stringify's options for our lines: CRLF line ends, and a cell holding a line break of any
 * kind quoted (with CRLF as the record delimiter it would otherwise quote only a cell holding CRLF
 * itself, not a lone `\r` or `\n`).
 */
const OPTIONS = { record_delimiter: 'windows', quote_record_delimiter: true } as const;

/**
 * CSV lines for rows (no header), each cell escaped against formulas, each line ended by CRLF:
 * for writing a file in parts. A cell holding a comma, a quote or a line break is quoted, with
 * its quotes doubled. An empty cell is handed to csv-stringify as null (written the same, as
 * nothing, with less of its work a cell: an export of a million sessions has millions of them).
 */
export function csvLines(rows: readonly (readonly Cell[])[]): string {
  const cells: (string | null)[][] = new Array<(string | null)[]>(rows.length);
  for (let r = 0; r < rows.length; r += 1) {
    const row = rows[r] as readonly Cell[];
    const line = new Array<string | null>(row.length);
    for (let c = 0; c < row.length; c += 1) {
      const cell = row[c];
      line[c] = cell === null || cell === undefined || cell === '' ? null : escapeFormula(typeof cell === 'string' ? cell : String(cell));
    }
    cells[r] = line;
  }
  return stringify(cells, OPTIONS);
}
