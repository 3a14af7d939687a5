/**
 * The correction report as an .xlsx workbook (src/xlsx/write-xlsx.ts): a summary sheet `汇总` (one
 * row per reason: its code, what it means, quarantined rows, flagged values), one sheet per reason
 * (its items: kind, position, record key, field, explanation, value under the policy), and a sheet
 * `报告信息` (pipeline, system, run, policy). Every text is an inline string; positions and counts
 * are numbers; an empty text, a null and a dropped value are an empty cell. Sheet names are reason codes (lower-case ASCII), cut to Excel's 31 characters and
 * made unique.
 */
import { cell, row, writeWorkbook, type SheetSpec } from '../xlsx/write-xlsx.ts';
import type { CorrectionReport } from './correction-report.ts';

/** Header of the summary sheet. */
export const SUMMARY_COLUMNS = ['原因代码', '原因说明', '隔离行数', '标记值数'] as const;
/** Header of each reason's sheet. */
export const REASON_COLUMNS = ['类别', '位置', '记录键', '字段', '原因说明', '值'] as const;
/** Name of the summary sheet. */
export const SUMMARY_SHEET = '汇总';
/** Name of the sheet describing the report. */
export const ABOUT_SHEET = '报告信息';

/** The kind of an item as the workbook writes it. */
const KIND_NAMES = { quarantined: '隔离', flagged: '标记' } as const;

const letter = (i: number): string => String.fromCharCode(65 + i);
type Cell = string | number | null | undefined;
const line = (n: number, values: readonly Cell[]): string =>
  row(n, values.flatMap((v, i) => (v === null || v === undefined || v === '' ? [] : [typeof v === 'number' ? cell.n(`${letter(i)}${n}`, String(v)) : cell.inline(`${letter(i)}${n}`, v)])));
const table = (header: readonly string[], body: readonly (readonly Cell[])[]): string[] => [line(1, header), ...body.map((values, i) => line(i + 2, values))];

/** Sheet names for the reasons: each code cut to 31 characters, a clash numbered `~2`, `~3`. */
export function reasonSheetNames(reasons: readonly string[]): string[] {
  const used = new Set([SUMMARY_SHEET, ABOUT_SHEET]);
  return reasons.map((reason) => {
    let name = reason.slice(0, 31);
    for (let n = 2; used.has(name); n++) name = `${reason.slice(0, 31 - `~${n}`.length)}~${n}`;
    used.add(name);
    return name;
  });
}

/** Writes `report` to `file` (.xlsx). */
export async function writeReportWorkbook(file: string, report: CorrectionReport): Promise<void> {
  const names = reasonSheetNames(report.groups.map((g) => g.reason));
  const summary: SheetSpec = {
    name: SUMMARY_SHEET,
    rows: table(SUMMARY_COLUMNS, report.groups.map((g) => [g.reason, g.items.find((i) => i.explanation !== null)?.explanation ?? null, g.quarantined, g.flagged])),
  };
  const sheets = report.groups.map((g, i): SheetSpec => ({
    name: names[i]!,
    rows: table(REASON_COLUMNS, g.items.map((item) => [KIND_NAMES[item.kind], item.line, item.source_key, item.field, item.explanation, item.value])),
  }));
  const about: SheetSpec = {
    name: ABOUT_SHEET,
    rows: table(['项目', '内容'], [
      ['数据管道', report.pipeline], ['来源系统', report.system], ['运行', report.run.run_id], ['运行状态', report.run.status],
      ['来源', report.run.source], ['位置', report.run.position_kind], ['值的策略', report.policy],
      ['隔离行数', report.counts.quarantined_rows], ['标记值数', report.counts.flagged_values],
    ]),
  };
  await writeWorkbook(file, { sheets: [summary, ...sheets, about] });
}
