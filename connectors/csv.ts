import { createReadStream, createWriteStream } from 'node:fs';
import { open, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline as pipe } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { CsvConnectorOptions } from '../schemas/pipeline.ts';
import { ExtractError } from '../src/errors.ts';
import type { Connector, ConnectorContext, Extracted, StageContext } from './types.ts';
import { quoteIdent, quoteLiteral } from '../src/index/sql-text.ts';

type CsvOptions = (typeof CsvConnectorOptions)['_output'];

const REPLACEMENT_CHARACTER = '\uFFFD';

/** Opens the file as a stream of UTF-8 text, decoding GBK/GB18030 with iconv-lite; BOM stripped. */
function openText(sourcePath: string, encoding: CsvOptions['encoding']): NodeJS.ReadableStream {
  const bytes = createReadStream(sourcePath);
  return bytes.pipe(iconv.decodeStream(encoding === 'utf-8' ? 'utf8' : encoding, { stripBOM: true }));
}

/**
 * Reads the header row (the first CSV record) and checks the file can be read.
 * @throws ExtractError `source_missing`, `source_empty` or `header_undecodable`.
 */
async function readHeader(ctx: ConnectorContext, options: CsvOptions): Promise<string[]> {
  let size: number;
  try {
    size = (await stat(ctx.sourcePath)).size;
  } catch {
    throw new ExtractError('source_missing', `${ctx.sourcePath}: file not found (pipeline ${ctx.pipeline.name}, connector.path)`);
  }
  if (size === 0) throw new ExtractError('source_empty', `${ctx.sourcePath}: file is empty, not even a header: refusing to treat it as an empty export`);
  const handle = await open(ctx.sourcePath, 'r');
  const buffer = Buffer.alloc(Math.min(size, 1 << 16));
  await handle.read(buffer, 0, buffer.length, 0);
  await handle.close();
  const text = iconv.decode(buffer, options.encoding === 'utf-8' ? 'utf8' : options.encoding, { stripBOM: true });
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.includes(REPLACEMENT_CHARACTER)) {
    const hint = options.encoding === 'utf-8' ? ' (is the file GBK or GB18030? set connector.encoding)' : '';
    throw new ExtractError('header_undecodable', `${ctx.sourcePath}:1: the header is not valid ${options.encoding}${hint}`);
  }
  const records = parseSync(text, { delimiter: options.delimiter, to: 1, relax_column_count: true }) as string[][];
  const header = (records[0] ?? []).map((h) => h.trim());
  if (header.length === 0 || header.every((h) => h === '')) throw new ExtractError('source_empty', `${ctx.sourcePath}:1: no header row`);
  const control = header.find((h) => /[\u0000-\u001f\u007f]/.test(h));
  if (control !== undefined) throw new ExtractError('header_invalid', `${ctx.sourcePath}:1: a column name holds a control character (${JSON.stringify(control)}): is this a CSV file?`);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new ExtractError('header_invalid', `${ctx.sourcePath}:1: column '${dup}' appears twice in the header`);
  return header;
}

/**
 * The CSV connector: RFC 4180 quoting (quoted commas, quotes and newlines), encodings utf-8, gbk
 * and gb18030, a UTF-8 BOM stripped, every value a string (no type inference). Rows whose column
 * count is wrong, or that hold bytes that do not decode, are yielded as unreadable.
 */
export const csvConnector: Connector<CsvOptions> = {
  kind: 'csv',
  options: CsvConnectorOptions,

  async *extract(ctx, options): AsyncGenerator<Extracted> {
    const header = await readHeader(ctx, options);
    const parser = openText(ctx.sourcePath, options.encoding).pipe(
      parse({ delimiter: options.delimiter, from_line: 2, relax_column_count: true, info: true, raw: true, skip_empty_lines: true }),
    );
    // Lines are counted from the raw text of each record (csv-parse's info.lines is off by one
    // on CRLF files): a record starts on the line after the previous one ended.
    let consumed = 1;
    let emptySeen = 0;
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { empty_lines: number }; raw: string }>) {
      const { record, raw } = item;
      consumed += item.info.empty_lines - emptySeen;
      emptySeen = item.info.empty_lines;
      const line = consumed + 1;
      consumed += 1 + (raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0);
      if (record.length !== header.length) {
        yield { kind: 'unreadable', line, raw: raw.replace(/\r?\n$/, ''), reasons: [{ code: 'csv_column_count', message: `expected ${header.length} columns, found ${record.length}` }] };
        continue;
      }
      const fields: Record<string, string | null> = {};
      header.forEach((h, i) => (fields[h] = record[i] === '' ? null : record[i]!));
      yield { kind: 'row', line, fields };
    }
  },

  async stage(ctx: StageContext, options): Promise<{ columns: string[] }> {
    const header = await readHeader(ctx, options);
    const missing = ctx.projectColumns.filter((col) => !header.includes(col));
    if (missing.length > 0) {
      throw new ExtractError('header_mismatch', `${ctx.sourcePath}:1: column(s) ${missing.map((m) => `'${m}'`).join(', ')} named in ${ctx.pipeline.file} (mapping/source_key) are not in the header (${header.join(', ')})`);
    }
    let file = ctx.sourcePath;
    let tempDir: string | undefined;
    if (options.encoding !== 'utf-8') {
      // DuckDB reads UTF-8 only: decoding GBK is what JavaScript is for (ARCHITECTURE.md).
      tempDir = await mkdtemp(path.join(os.tmpdir(), 'onecode-csv-'));
      file = path.join(tempDir, 'decoded.csv');
      await pipe(openText(ctx.sourcePath, options.encoding), createWriteStream(file));
    }
    try {
      const kept = header.filter((h) => !ctx.dropColumns.includes(h));
      const columns = header.map((h) => `${quoteLiteral(h)}: 'VARCHAR'`).join(', ');
      const payload = `json_object(${kept.map((h) => `${quoteLiteral(h)}, ${quoteIdent(h)}`).join(', ')})`;
      const nl = kept.map((h) => `coalesce(length(${quoteIdent(h)}) - length(replace(${quoteIdent(h)}, chr(10), '')), 0)`).join(' + ');
      const projections = ctx.projectColumns.map((c, i) => `${quoteIdent(c)} AS col_${i}`).join(', ');
      // Two passes: numbering rows in file order (row_number() OVER ()) makes DuckDB read the
      // file single-threaded, so the numbering pass does nothing else and the payload JSON is
      // built in a second, parallel pass (measured on 1M rows: 3.6 s in one pass, 2.5 s in two).
      await ctx.connection.run(`
        CREATE OR REPLACE TEMP TABLE ${ctx.table}_raw AS
        SELECT row_number() OVER () AS rn, *
        FROM read_csv(${quoteLiteral(file)}, header = true, auto_detect = false, columns = {${columns}},
          delim = ${quoteLiteral(options.delimiter)}, quote = '"', escape = '"', strict_mode = true,
          store_rejects = true, rejects_table = '${ctx.table}_rej', rejects_scan = '${ctx.table}_rejscan')`);
      await ctx.connection.run(`
        CREATE OR REPLACE TEMP TABLE ${ctx.table} AS
        SELECT rn, rn + 1 AS line, CAST(0 AS BIGINT) AS nl, ${payload} AS payload${projections ? ', ' + projections : ''},
               contains(concat(${kept.map(quoteIdent).join(', ') || "''"}), chr(10)) AS multiline
        FROM ${ctx.table}_raw`);
      // Quoted newlines move every later record down; most exports have none, so counting them
      // and the running sum (a sort) are paid only when they do.
      const multiline = Number((await ctx.connection.runAndReadAll(`SELECT count(*) FROM ${ctx.table} WHERE multiline`)).getRows()[0]![0]);
      if (multiline > 0) {
        await ctx.connection.run(`
          UPDATE ${ctx.table} t SET nl = r.nl FROM (SELECT rn, ${nl || '0'} AS nl FROM ${ctx.table}_raw) r
          WHERE t.multiline AND t.rn = r.rn`);
        await ctx.connection.run(`
          UPDATE ${ctx.table} t SET line = t.line + s.before
          FROM (SELECT rn, sum(nl) OVER (ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM ${ctx.table}) s
          WHERE t.rn = s.rn AND s.before > 0`);
      }
      await ctx.connection.run(`DROP TABLE ${ctx.table}_raw`);
      await placeRejects(ctx);
      return { columns: header };
    } finally {
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    }
  },
};

/**
 * Turns DuckDB's rejected records into `ctx.rejectTable (line, raw, reason_code, message)` and
 * shifts the lines of good rows after them. DuckDB reports a reject's record ordinal (header = 1),
 * so a good row `rn` comes after reject j (in ordinal order) when rn >= ordinal_j - j + 1; each
 * reject moves the rows after it down by the physical lines it spans.
 */
async function placeRejects(ctx: StageContext): Promise<void> {
  const c = ctx.connection;
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${ctx.rejectTable}_ord AS
    WITH r AS (
      SELECT line - 1 AS ordinal, regexp_replace(csv_line, '^\\r?\\n', '') AS raw, error_type, error_message
      FROM ${ctx.table}_rej
    )
    SELECT ordinal - row_number() OVER (ORDER BY ordinal) + 1 AS threshold_rn, ordinal, raw,
           1 + length(raw) - length(replace(raw, chr(10), '')) AS span,
           lower(replace(error_type, ' ', '_')) AS reason_code, error_message AS message
    FROM r`);
  const rejects = Number((await c.runAndReadAll(`SELECT count(*) FROM ${ctx.rejectTable}_ord`)).getRows()[0]![0]);
  if (rejects > 0) {
    await c.run(`
      UPDATE ${ctx.table} t SET line = t.line + s.shift
      FROM (
        SELECT g.rn, c.shift FROM ${ctx.table} g
        ASOF JOIN (SELECT threshold_rn, sum(span) OVER (ORDER BY threshold_rn, ordinal) AS shift FROM ${ctx.rejectTable}_ord) c
          ON g.rn >= c.threshold_rn
      ) s
      WHERE t.rn = s.rn`);
  }
  // A rejected record starts on the line after the good row before it (and after the rejects
  // that came between them).
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${ctx.rejectTable} AS
    SELECT coalesce(g.line + g.nl + 1, 2)
             + coalesce(sum(r.span) OVER (PARTITION BY r.threshold_rn ORDER BY r.ordinal ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS line,
           r.raw, r.reason_code, r.message
    FROM ${ctx.rejectTable}_ord r LEFT JOIN ${ctx.table} g ON g.rn = r.threshold_rn - 1
    ORDER BY line`);
  await c.run(`DROP TABLE ${ctx.rejectTable}_ord`);
}
