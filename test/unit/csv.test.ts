import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvLines, escapeFormula, toCsv, type Cell } from '../../src-main/export/csv';

/** What the export wrote before: csv-stringify with the same options over the escaped cells. */
function reference(rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : escapeFormula(String(cell)))));
  return stringify(cells, { record_delimiter: 'windows', quoted_match: /[",\r\n]/ });
}

const HOSTILE: Cell[] = [
  '', 'plain', 'x,y', 'say "hi"', '"', '""', ',', '\r', '\n', '\r\n', 'a\r\nb', '=HYPERLINK("http://evil.example","click")', '+cmd|/c calc', '-2+3', '@SUM(A1:A2)',
  '\tTAB', '\rCR', ' =not-first', "'already", 'ünïcødé, "ok"', '\u2028line sep', 'trailing ', ' leading', 0, -1, 3.5, true, false, null, undefined, '日本語',
];

describe('CSV lines', () => {
  it('are byte for byte what csv-stringify wrote with the same escaping, for hostile and ordinary cells', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const rows: Cell[][] = HOSTILE.map((cell) => [cell]);
    rows.push(HOSTILE);
    for (let r = 0; r < 2000; r += 1) {
      const row: Cell[] = [];
      const width = 1 + Math.floor(random() * 20);
      for (let c = 0; c < width; c += 1) {
        const a = HOSTILE[Math.floor(random() * HOSTILE.length)];
        const b = HOSTILE[Math.floor(random() * HOSTILE.length)];
        row.push(random() < 0.5 ? a : `${String(a ?? '')}${String(b ?? '')}`);
      }
      rows.push(row);
    }
    expect(csvLines(rows)).toBe(reference(rows));
    expect(toCsv(['a', 'b'], rows)).toBe(reference([['a', 'b'], ...rows]));
  });

  it('read back as the escaped cells, formulas defused', () => {
    const row: Cell[] = ['=1+1', 'a,"b"\r\nc', null, 42, true];
    expect(parse(csvLines([row]), { relax_column_count: true })).toEqual([["'=1+1", 'a,"b"\r\nc', '', '42', 'true']]);
  });
});
