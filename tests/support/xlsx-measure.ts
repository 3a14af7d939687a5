/**
 * Reads every row of one sheet with readSheet in a process of its own and prints, as one JSON
 * line, what it read and what it cost: `{ rows, unreadable, seconds, rowsPerSecond, maxRssMB }`.
 * maxRssMB is the process's peak resident set size (getrusage ru_maxrss via
 * process.resourceUsage().maxRSS), the Node runtime and tsx included: run it alone so that
 * nothing else (a test runner, the writer of the workbook) adds to it.
 *
 *   node --import tsx tests/support/xlsx-measure.ts FILE [SHEET] [HEADER_ROW]
 */
import { readSheet } from '../../connectors/xlsx/read-sheet.ts';

const [file, sheet, headerRow] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx tests/support/xlsx-measure.ts FILE [SHEET] [HEADER_ROW]');
  process.exit(2);
}
const started = performance.now();
const reader = await readSheet(file, { sheet: sheet === undefined ? 1 : /^\d+$/.test(sheet) ? Number(sheet) : sheet, headerRow: headerRow === undefined ? 1 : Number(headerRow) });
let rows = 0;
let unreadable = 0;
for await (const record of reader.rows()) {
  if (record.kind === 'row') rows++;
  else unreadable++;
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  rows,
  unreadable,
  seconds: Number(seconds.toFixed(2)),
  rowsPerSecond: Math.round((rows + unreadable) / seconds),
  maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
}));
