import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvLines, escapeFormula, toCsv, type Cell } from '../../src-main/export/csv';

/** What a cell must read back as: empty for null and undefined, formulas defused. */
function expected(cell: Cell): string {
  return cell === null || cell === undefined ? '' : escapeFormula(String(cell));
}

const HOSTILE: Cell[] = [
  '', 'plain', 'x,y', 'say "hi"', '"', '""', ',', '\r', '\n', '\r\n', 'a\r\nb', '=HYPERLINK("http://evil.example","click")', '+cmd|/c calc', '-2+3', '@SUM(A1:A2)',
  '\tTAB', '\rCR', ' =not-first', "'already", 'ünïcødé, "ok"', '\u2028line sep', 'trailing ', ' leading', 0, -1, 3.5, true, false, null, undefined, '日本語',
];

describe('CSV lines', () => {
  it('read back (csv-parse) as exactly the escaped cells, for hostile and ordinary cells, quoted only where needed', () => {
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
    const text = csvLines(rows);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parse(text, { relax_column_count: true })).toEqual(rows.map((row) => row.map(expected)));
    expect(parse(toCsv(['a', 'b'], rows), { relax_column_count: true })).toEqual([['a', 'b'], ...rows.map((row) => row.map(expected))]);
    expect(csvLines([['plain', 3, '=x', 'a b']])).toBe("plain,3,'=x,a b\r\n");
    expect(csvLines([['x,y', 'say "hi"', 'a\nb', 'c\rd']])).toBe('"x,y","say ""hi""","a\nb","c\rd"\r\n');
  });

  it('read back as the escaped cells, formulas defused', () => {
    const row: Cell[] = ['=1+1', 'a,"b"\r\nc', null, 42, true];
    expect(parse(csvLines([row]), { relax_column_count: true })).toEqual([["'=1+1", 'a,"b"\r\nc', '', '42', 'true']]);
  });
});
