import { openFile } from '../support/open-file.ts';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTORS, type Extracted } from '../../connectors/index.ts';
import { Framer, type FramedRecord } from '../../connectors/csv/framer.ts';
import { createLogger } from '../../src/logger.ts';
import { CsvConnectorOptions, type Pipeline } from '../../schemas/pipeline.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// The bulk path (DuckDB's read_csv checked against the framer) must stage exactly what extract
// yields, for any input: random files of CSV's troublesome pieces (quotes, delimiters, CR, LF,
// spaces, multi-byte and undecodable bytes) in UTF-8, GBK and GB18030.
const PIECES = ['a', '1', ',', ',', '"', '""', '\n', '\n', '\r\n', '\r', ' ', '\t', '中文', 'é', '\u0000BAD'];

const file = fc.record({
  header: fc.constantFrom('a,b,c', 'a,b,c,', 'a', '"a","b",c', '身份证号,姓名', '\uFEFFa,b'),
  lineEnd: fc.constantFrom('\n', '\r\n'),
  body: fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }),
  tail: fc.boolean(),
  encoding: fc.constantFrom('utf-8', 'utf-8', 'gbk', 'gb18030'),
  maxLineBytes: fc.constantFrom(6, 12, 1000),
});

/** The file's bytes: the text in its encoding, each \u0000BAD an undecodable byte (0xFF). */
type RandomFile = typeof file extends fc.Arbitrary<infer T> ? T : never;
function bytesOf(f: RandomFile): Buffer {
  const text = f.header + f.lineEnd + f.body.map((p) => (p === '\n' || p === '\r\n' ? f.lineEnd : p)).join('') + (f.tail ? `${f.lineEnd}1,2,3${f.lineEnd}` : '');
  const parts = text.split('\u0000BAD').map((t) => (f.encoding === 'utf-8' ? Buffer.from(t) : iconv.encode(t, f.encoding)));
  return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from([0xff]), p])));
}

describe('CSV stage() equals extract() on random input', () => {
  let ws: Workspace;
  const logger = createLogger({ level: 'silent' });
  beforeAll(async () => (ws = await createWorkspace()));
  afterAll(async () => ws.dispose());

  it('same rows, lines, values, rejects, raw texts and reason codes, or the same error', async () => {
    let n = 0;
    let bulk = 0;
    await fc.assert(
      fc.asyncProperty(file, async (f) => {
        const source = path.join(ws.dir, `random-${++n}.csv`);
        await writeFile(source, bytesOf(f));
        const options = CsvConnectorOptions.parse({ kind: 'csv', path: 'x', encoding: f.encoding, max_line_bytes: f.maxLineBytes });
        const ctx = { pipeline: { name: 'random', file: path.join(ws.dir, 'x.yaml'), connector: options } as unknown as Pipeline, logger, sourcePath: source };
        const extracted: Extracted[] = [];
        let extractError = '';
        try {
          for await (const e of (await openFile(options, source)).extract()) extracted.push(e);
        } catch (error) {
          extractError = (error as { code?: string }).code ?? 'error';
        }
        let stageError = '';
        const table = `r${n}`;
        try {
          const { via } = await (await openFile(options, source)).stage!({ connection: ws.index.connection, table, rejectTable: `${table}_x`, dropColumns: [], projectColumns: [] });
          if (via === 'bulk') bulk++;
        } catch (error) {
          stageError = (error as { code?: string }).code ?? 'error';
        }
        expect(stageError).toBe(extractError);
        if (extractError) return;
        const rows = (await ws.rows(`SELECT line::INT AS line, payload FROM ${table} ORDER BY rn`)).map((r) => ({ line: r.line, fields: JSON.parse(String(r.payload)) }));
        const rejects = await ws.rows(`SELECT line::INT AS line, first(raw) AS raw, list(reason_code ORDER BY reason_code) AS codes FROM ${table}_x GROUP BY line ORDER BY line`);
        expect({ rows, rejects }).toEqual({
          rows: extracted.flatMap((e) => (e.kind === 'row' ? [{ line: e.line, fields: e.fields }] : [])),
          rejects: extracted.flatMap((e) => (e.kind === 'unreadable' ? [{ line: e.line, raw: e.raw, codes: e.reasons.map((r) => r.code).sort() }] : [])),
        });
        await ws.index.connection.run(`DROP TABLE ${table}; DROP TABLE ${table}_x`);
      }),
      { numRuns: 150 },
    );
    // Most random files go through DuckDB's reader (about 4 in 5 when this was written): the
    // comparison is between the two paths, not of the row path with itself.
    expect(bulk).toBeGreaterThanOrEqual(0.4 * n);
  }, 240_000);

  it('the framer frames the same records whatever the chunks it is given', () => {
    fc.assert(
      fc.property(file, fc.integer({ min: 1, max: 9 }), (f, chunk) => {
        const bytes = bytesOf(f);
        const frame = (size: number) => {
          const out: (FramedRecord & { raw: string })[] = [];
          const framer = new Framer({
            delimiter: 0x2c, encoding: f.encoding as 'utf-8', maxLineBytes: f.maxLineBytes, rawPreviewBytes: 8,
            onRecord: (r, b) => out.push({ ...r, raw: b.get().toString('latin1') }),
          });
          for (let i = 0; i < bytes.length; i += size) framer.push(bytes.subarray(i, i + size));
          framer.end();
          return { out, mixed: framer.mixedLineEnds };
        };
        expect(frame(chunk)).toEqual(frame(bytes.length || 1));
      }),
      { numRuns: 500 },
    );
  });
});
