import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { csvLines, escapeFormula, type Cell } from '../../src-main/export/csv';

/**
 * The characters a formula may begin with: those of 3ae247c, and the full-width ＝ ＋ － ＠ that
 * csv-stringify's escape_formulas also catches (added since: the only cells whose bytes changed).
 */
const FORMULA = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** How lines were encoded before (3ae247c): a regular expression for formulas, every empty cell as '', a lone CR or LF quoted by quoted_match. */
function reference(rows: readonly (readonly Cell[])[]): string {
  const escape = (v: string) => (FORMULA.test(v) ? `'${v}` : v);
  return stringify(
    rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : escape(String(cell))))),
    { record_delimiter: 'windows', quoted_match: /[\r\n]/ },
  );
}

const CELLS: Cell[] = [
  '', 'plain', 'x,y', 'say "hi"', '"', ',', '\r', '\n', '\r\n', 'a\r\nb', 'a\rb', 'a\nb', 'end\r', 'end\n', '=1+1', '+1', '-1', '@x', '\tx', '\rx', '\nx', ' =x', "'x",
  '\uFF1D fullwidth', '\uFF0B1', '\uFF0D1', '\uFF20x', 'x\uFF1D', '\uFF1C', 'ünï, "ç"', '\u2028', 0, -1, -0.5, 3.5, true, false, null, undefined, '日本語',
];

describe('CSV lines, encoded as before', () => {
  it('byte for byte what the previous encoding wrote, for every pair of awkward cells and 3,000 random rows', () => {
    const rows: Cell[][] = [CELLS, ...CELLS.flatMap((a) => CELLS.map((b) => [a, b, typeof a === 'string' && typeof b === 'string' ? a + b : a]))];
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let r = 0; r < 3000; r += 1) rows.push(Array.from({ length: 1 + Math.floor(random() * 20) }, () => CELLS[Math.floor(random() * CELLS.length)]));
    expect(csvLines(rows)).toBe(reference(rows));
  });

  it('formulas defused by their first character only, as the regular expression did', () => {
    for (const cell of CELLS) if (typeof cell === 'string') expect(escapeFormula(cell)).toBe(FORMULA.test(cell) ? `'${cell}` : cell);
    expect(escapeFormula('')).toBe('');
  });

  it('full-width ＝ ＋ － ＠ at the start are formulas too, as csv-stringify escape_formulas has them; elsewhere, or their neighbours, are not', () => {
    expect(['\uFF1DHYPERLINK("x")', '\uFF0Bcmd', '\uFF0D2+3', '\uFF20SUM(A1)'].map(escapeFormula)).toEqual(["'＝HYPERLINK(\"x\")", "'＋cmd", "'－2+3", "'＠SUM(A1)"]);
    for (const cell of ['a\uFF1D', '\uFF1C', '\uFF0A', '\uFF0C', '\uFF0E', '\uFF1E', '\uFF21', '\uFF0A=']) expect(escapeFormula(cell)).toBe(cell);
    // The same cells through csv-stringify's own escape: the same first characters escaped.
    const cells = ['\uFF1Dx', '\uFF0Bx', '\uFF0Dx', '\uFF20x', '\uFF1Cx'];
    expect(csvLines([cells])).toBe(stringify([cells], { record_delimiter: 'windows', escape_formulas: true }));
  });
});
