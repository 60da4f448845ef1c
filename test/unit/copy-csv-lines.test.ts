import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyCsvLines, RepeatedRowError } from '../../src-main/postgres/copy-csv-lines';

/**
 * PostgreSQL's COPY (FORMAT csv) ends each line by LF and quotes a cell holding a comma, a quote,
 * a CR or an LF; csv-stringify with `quote_record_delimiter` quotes the same cells, so with LF
 * line ends it stands in for COPY here. Whatever the cells and wherever the chunks are cut,
 * CopyCsvLines must hand on exactly the bytes csv-stringify writes with CRLF line ends (as every
 * export is written), and count the lines.
 */
const copyLike = (rows: string[][]) => stringify(rows, { record_delimiter: 'unix', quote_record_delimiter: true });
const asExported = (rows: string[][]) => stringify(rows, { record_delimiter: 'windows', quote_record_delimiter: true });

/** `bytes` cut at `cuts` (positions, any order, repeats allowed) into chunks, grouped into pushes of `group`. */
function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, to));
    from = to;
  }
  return chunks;
}

function run(chunks: Buffer[], group: number): { csv: Buffer; rows: number } {
  const lines = new CopyCsvLines();
  const out: Buffer[] = [];
  let rows = 0;
  for (let i = 0; i < chunks.length; i += group) {
    const batch = lines.push(chunks.slice(i, i + group));
    out.push(batch.csv);
    rows += batch.rows;
  }
  lines.end();
  return { csv: Buffer.concat(out), rows };
}

const cell = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\r', '\n', ' ', 'é', '\u{1F600}', '=', "'") }),
  fc.string({ unit: 'grapheme' }),
  fc.uuid(),
);

describe('CopyCsvLines: COPY output with CRLF line ends', () => {
  it('is byte for byte what csv-stringify writes, wherever the chunks are cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        (body, cuts, group) => {
          // Each line's first cell unique, as a session id is.
          const rows = body.map((r, i) => [`id-${i}`, ...r]);
          const result = run(cut(Buffer.from(copyLike(rows), 'utf8'), cuts), group);
          expect(result.csv.toString('utf8')).toBe(asExported(rows));
          expect(result.rows).toBe(rows.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps a quoted line break inside its cell, even when the chunk ends between CR and LF or inside the quotes', () => {
    const rows = [['a', 'one\r\ntwo'], ['b', 'say "hi",\nthen'], ['c', '']];
    const bytes = Buffer.from(copyLike(rows), 'utf8');
    for (let at = 0; at <= bytes.length; at += 1) {
      expect(run([bytes.subarray(0, at), bytes.subarray(at)], 1).csv.toString('utf8')).toBe(asExported(rows));
    }
  });

  it('refuses a line that begins with the same first field as the one before, also across chunks, naming the first two fields', () => {
    const bytes = Buffer.from(copyLike([['s1', 'u1'], ['s2', 'u2'], ['s2', 'u2', 'again']]), 'utf8');
    for (let at = 0; at <= bytes.length; at += 1) {
      const lines = new CopyCsvLines();
      const attempt = () => {
        lines.push([bytes.subarray(0, at)]);
        lines.push([bytes.subarray(at)]);
      };
      expect(attempt).toThrow(RepeatedRowError);
    }
    expect(() => new CopyCsvLines().push([bytes])).toThrow(expect.objectContaining({ fields: ['s2', 'u2'] }));
    // A first field that only begins like the one before is another.
    expect(run([Buffer.from('s1,a\ns10,b\ns1,c\n')], 1).rows).toBe(3);
  });

  it('says so when the output ends in the middle of a line', () => {
    const lines = new CopyCsvLines();
    expect(lines.push([Buffer.from('a,b\nc,"unfinished\n')]).rows).toBe(1);
    expect(() => lines.end()).toThrow(/middle of a line/);
  });
});
