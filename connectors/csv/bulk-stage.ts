import { errorKind } from '../../src/error-text.ts';
import { appendReject, createRejectTable, stageRows } from '../../src/index/stage-rows.ts';
import { quoteIdent, quoteLiteral } from '../../src/index/sql-text.ts';
import type { FileStageContext } from '../types.ts';
import { openDecodedPipe } from './decoded-pipe.ts';
import { extractRows } from './extract-rows.ts';
import type { HeaderLayout } from './header.ts';
import type { CsvOptions } from './options.ts';
import { readRecords, type CsvReject } from './read-records.ts';

/** How a CSV file was staged: by DuckDB's reader (`bulk`) or row by row from `extract` (`rows`). */
export type StagedVia = 'bulk' | 'rows';

/**
 * Raw text of unreadable rows held in memory while DuckDB reads the file; a file with more is
 * staged row by row instead, which streams them.
 */
const REJECT_BUDGET_CHARS = 32 << 20;

/** What the framer found reading the file beside DuckDB. */
interface Scan {
  /** Rows, in file order. */
  rows: number;
  /** Line of the k-th row (1-based) = k + 1 + shift of the last segment starting at or before k. */
  segments: [k: number, shift: number][];
  rejects: CsvReject[];
  /** Why DuckDB's reading cannot be used, if the framer already knows. */
  unusable?: string;
  encodingError?: Error;
}

/**
 * Stages a CSV file into `ctx.table` (`rn, line, payload, col_i…`) and `ctx.rejectTable`
 * (`line, raw, reason_code, message`, one row per reason).
 *
 * DuckDB's `read_csv` reads the rows (the fast path) while the framer reads the file's bytes in
 * JavaScript (framer.ts). The framer is the authority: it numbers physical lines (blank lines,
 * CRLF and quoted line ends included), judges every record (reasons.ts) and keeps the raw text
 * of the unreadable ones. A UTF-8 file is read by DuckDB directly, in parallel; a GBK or
 * GB18030 file is decoded by the framer and only its good records are streamed to DuckDB
 * through a named pipe (decoded-pipe.ts), never written to disk.
 * DuckDB's rows are taken only if its reader agrees record for record: as many rows, and
 * rejects at exactly the lines the framer rejected (none, through the pipe). Otherwise — the
 * framer finds constructs DuckDB reads differently, DuckDB fails, there is more unreadable text
 * than REJECT_BUDGET_CHARS, or no named pipe can be made — the rows of `extractRows` are staged
 * instead: the same rows, lines and rejects by construction, more slowly.
 * @throws ExtractError `encoding_mismatch` (most rows do not decode) after the rejects are staged.
 */
export async function stageCsv(ctx: FileStageContext, options: CsvOptions, layout: HeaderLayout): Promise<StagedVia> {
  const c = ctx.connection;
  const raw = `${ctx.table}_raw`;
  const rej = `${ctx.table}_rej`;
  const rejScan = `${ctx.table}_rejscan`;
  const dropRead = () => c.run(`DROP TABLE IF EXISTS ${raw}; DROP TABLE IF EXISTS ${rej}; DROP TABLE IF EXISTS ${rejScan}`);
  const direct = options.encoding === 'utf-8';
  // DuckDB's max_line_size counts a line's CR and rejects a line of exactly that size. Through
  // the pipe records are UTF-8 (up to 1.5 times their GBK size) and already checked.
  // From a pipe the read buffer is two longest lines, not DuckDB's default of sixteen, which it
  // allocates whole there (512 MiB for the default limits, more than the index's memory_limit).
  // A file keeps the default: with a smaller buffer DuckDB rejects over-long lines otherwise than
  // the framer counts them (tests/cases/csv-long-lines).
  const maxLineSize = direct ? options.max_line_bytes + (layout.lineEnd === '\r\n' ? 2 : 1) : 2 * options.max_line_bytes + 2;
  const readSql = (file: string) => `
    CREATE OR REPLACE TEMP TABLE ${raw} AS
    SELECT row_number() OVER () AS rn, *
    FROM read_csv(${quoteLiteral(file)}, header = true, auto_detect = false,
      columns = {${layout.names.map((h) => `${quoteLiteral(h)}: 'VARCHAR'`).join(', ')}},
      delim = ${quoteLiteral(options.delimiter)}, quote = '"', escape = '"', strict_mode = true,
      max_line_size = ${maxLineSize},${direct ? '' : ` buffer_size = ${2 * maxLineSize},`}
      store_rejects = true, rejects_table = '${rej}', rejects_scan = '${rejScan}')`;

  let scan: Scan;
  let readError: Error | undefined;
  if (direct) {
    // Numbering rows in file order (row_number() OVER ()) makes DuckDB read single-threaded,
    // so this pass does nothing else, and the framer reads the file on the other core meanwhile.
    const reading = c.run(readSql(ctx.sourcePath)).then(() => undefined, (error: unknown) => error as Error);
    try {
      scan = await scanFile(ctx, options, layout);
    } finally {
      readError = await reading;
    }
  } else {
    const pipe = await openDecodedPipe((file) => c.run(readSql(file)));
    if (!pipe) return stageFromRows(ctx, options, layout, 'no named pipe can be made here');
    try {
      scan = await scanFile(ctx, options, layout, pipe.write);
    } finally {
      readError = await pipe.close();
    }
  }
  if (scan.encodingError && !scan.unusable) {
    await dropRead();
    await writeRejects(ctx, scan.rejects);
    throw scan.encodingError;
  }
  const disagreement = scan.unusable
    ?? (readError ? `DuckDB's reader failed (${errorKind(readError)})` : await disagrees(ctx, scan, rej, raw, direct));
  if (disagreement) {
    await dropRead();
    return stageFromRows(ctx, options, layout, disagreement);
  }

  const kept = layout.names.filter((h) => !ctx.dropColumns.includes(h));
  const payload = `json_object(${kept.map((h) => `${quoteLiteral(h)}, r.${quoteIdent(h)}`).join(', ')})`;
  const projections = ctx.projectColumns.map((col, i) => `r.${quoteIdent(col)} AS col_${i}`).join(', ');
  let line: string;
  let join = '';
  if (scan.segments.length <= 1) {
    line = `r.rn + ${1 + (scan.segments[0]?.[1] ?? 0)}`;
  } else {
    // Rows after a quoted line end, a blank line or an unreadable record move down: the shift
    // changes at those rows only, so a small table of segments gives the line of every row.
    const lines = `${ctx.table}_lines`;
    await c.run(`CREATE OR REPLACE TEMP TABLE ${lines} (k BIGINT, shift BIGINT)`);
    const appender = await c.createAppender(lines, null, 'temp');
    try {
      for (const [k, shift] of scan.segments) {
        appender.appendBigInt(BigInt(k));
        appender.appendBigInt(BigInt(shift));
        appender.endRow();
      }
    } finally {
      appender.closeSync();
    }
    line = 'r.rn + 1 + s.shift';
    join = `ASOF JOIN ${lines} s ON r.rn >= s.k`;
  }
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${ctx.table} AS
    SELECT r.rn, ${line} AS line, ${payload} AS payload${projections ? ', ' + projections : ''}
    FROM ${raw} r ${join}`);
  await dropRead();
  if (join) await c.run(`DROP TABLE ${ctx.table}_lines`);
  await writeRejects(ctx, scan.rejects);
  return 'bulk';
}

/**
 * Frames the whole file (read-records.ts), keeping the lines of rows as segments and the
 * rejects. With `pipe`, the decoded text of each row is written to it, one record a line.
 */
async function scanFile(ctx: FileStageContext, options: CsvOptions, layout: HeaderLayout, pipe?: (text: string) => Promise<boolean>): Promise<Scan> {
  const scan: Scan = { rows: 0, segments: [], rejects: [] };
  let shift = Number.NaN;
  let rejectChars = 0;
  let irregularRow = false;
  const records = readRecords(ctx, options, layout, {
    row(record) {
      const k = ++scan.rows;
      const s = record.line - k - 1;
      if (s !== shift) {
        scan.segments.push([k, s]);
        shift = s;
      }
      if (record.irregular) irregularRow = true;
    },
    unreadable(reject) {
      scan.rejects.push(reject);
      rejectChars += reject.raw.length;
    },
  }, pipe ? 'lines' : 'none');
  if (pipe && !(await pipe(layout.names.map((h) => `"${h.replaceAll('"', '""')}"`).join(options.delimiter) + '\n'))) {
    await records.return({ irregular: true });
    return { ...scan, rejects: [], unusable: "DuckDB's reader stopped reading" };
  }
  for (;;) {
    const step = await records.next();
    const unusable = rejectChars > REJECT_BUDGET_CHARS ? 'too much unreadable text to hold'
      // Through the pipe a row DuckDB reads differently would be read wrong, not rejected.
      : pipe && irregularRow ? 'a row DuckDB would read differently (a lone CR, spaces around quotes)'
      : pipe && !step.done && step.value && !(await pipe(step.value)) ? "DuckDB's reader stopped reading"
      : undefined;
    if (unusable) {
      if (!step.done) await records.return({ irregular: true });
      return { ...scan, rejects: [], unusable };
    }
    if (step.done) {
      // Through the pipe every row is a line of its own: mixed line ends in the file do not matter.
      if (step.value.irregular && !pipe) scan.unusable = 'the file holds constructs DuckDB reads differently (lone CR, mixed line ends, spaces around quotes)';
      return { ...scan, encodingError: step.value.encodingError };
    }
  }
}

/** Why DuckDB's reading cannot be taken, or undefined when it agrees with the framer record for record. */
async function disagrees(ctx: FileStageContext, scan: Scan, rej: string, raw: string, direct: boolean): Promise<string | undefined> {
  const c = ctx.connection;
  const rows = Number((await c.runAndReadAll(`SELECT count(*) FROM ${raw}`)).getRows()[0]![0]);
  if (rows !== scan.rows) return `DuckDB read ${rows} rows, the framer ${scan.rows}`;
  const duck = (await c.runAndReadAll(`SELECT DISTINCT line FROM ${rej} ORDER BY line`)).getRows().map((r) => Number(r[0]));
  // Through the pipe only rows are written: DuckDB must reject none.
  const ours = direct ? [...new Set(scan.rejects.map((r) => r.uline))].sort((a, b) => a - b) : [];
  if (duck.length !== ours.length || duck.some((l, i) => l !== ours[i])) return `DuckDB rejected ${duck.length} records, the framer ${ours.length} (or others)`;
  return undefined;
}

/** The rows of extractRows, staged one by one (src/index/stage-rows.ts). */
async function stageFromRows(ctx: FileStageContext, options: CsvOptions, layout: HeaderLayout, why: string): Promise<StagedVia> {
  ctx.logger.info({ file: ctx.sourcePath, why }, 'staging the CSV file row by row');
  await stageRows({
    connection: ctx.connection,
    rows: extractRows(ctx, options, layout),
    table: ctx.table,
    rejectTable: ctx.rejectTable,
    dropColumns: ctx.dropColumns,
    projectColumns: ctx.projectColumns,
  });
  return 'rows';
}

/** `ctx.rejectTable (line, raw, reason_code, message)`: one row per reason of each reject. */
async function writeRejects(ctx: FileStageContext, rejects: CsvReject[]): Promise<void> {
  const c = ctx.connection;
  await createRejectTable(c, ctx.rejectTable);
  if (rejects.length === 0) return;
  const appender = await c.createAppender(ctx.rejectTable, null, 'temp');
  try {
    for (const r of rejects) appendReject(appender, r);
  } finally {
    appender.closeSync();
  }
}
