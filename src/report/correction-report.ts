/**
 * The correction report of a pipeline's run (`onecode report`; 校核纠错, the regulation on government
 * data sharing): what the department must fix, grouped by reason —
 * - every row the run quarantined (quarantined_row: its position and each of its reasons), and
 * - every flagged value of the pipeline's records (source_record.flags: a value kept, but breaking
 *   a standard or contradicting the ID number), as the index holds them now: a flag stays until the
 *   department fixes the value, whichever run last loaded the record.
 *
 * Values leave only as the recipient's policy allows (src/export/export-policy.ts, default
 * `personal=mask`), column by column by the pipeline's classes (src/protect/field-classes.ts
 * columnClass), through the one guard every exit uses (src/access/guard-value.ts). A quarantined
 * row's text holds every column, so it is protected as a personal value; masked, it would be a
 * run of `*` telling the department nothing the line does not, so under `mask` it is left out. The
 * identifier classifiers' messages name rules and positions, never the value (index migration 15
 * rewrote older ones); still, as a second guard, such a message is shown only under a clear
 * personal and internal policy, and otherwise the code's description
 * (src/identifiers/reason-codes.ts) stands in for it. Every other reason (the
 * connectors' unreadable rows, the index's rules: `one_code_missing`, `xlsx_number_precision_lost`,
 * ...) has a message that names rules, columns and positions only, never a value
 * (ARCHITECTURE.md "Personal data stays in its place"; connectors/csv/reasons.ts,
 * connectors/xlsx/reasons.ts, src/index/candidates.ts): it is its explanation under any policy.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isLosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { guardValue, LEFT_OUT } from '../access/guard-value.ts';
import { ConfigError } from '../errors.ts';
import { REASON_CODES } from '../identifiers/reason-codes.ts';
import { columnClass, strictest, UNCLASSIFIED_COLUMN, type ClassedValue } from '../protect/field-classes.ts';
import { formatFeedPolicy, type FeedPolicy } from '../push/feed-policy.ts';

/** One thing to fix: a reason of a quarantined row, or a flagged value of a record. */
export interface CorrectionItem {
  kind: 'quarantined' | 'flagged';
  /** Where in the source: the line (or row, as `position_kind` says); null when unknown. */
  line: number | null;
  /** A flagged record's source key (its `source_key` columns, joined by U+001F) under the policy; absent for quarantined rows and when dropped. */
  source_key?: string | null;
  /** The source column the reason is about; null for a reason about the whole row. */
  field: string | null;
  /** The reason code. */
  reason: string;
  /** What the reason means: its stored message, or for an identifier classifier's reason under a policy that is not all clear, the code's description; null when neither is known. */
  explanation: string | null;
  /** The value under the policy: the flagged field's value, or a quarantined row's text; absent when the policy drops it; null when there is none. */
  value?: string | null;
}

/** The items of one reason. */
export interface CorrectionGroup {
  reason: string;
  quarantined: number;
  flagged: number;
  items: CorrectionItem[];
}

/** The report (the JSON file as written; the workbook shows the same). */
export interface CorrectionReport {
  pipeline: string;
  system: string;
  run: { run_id: string; run_no: number; status: string; source: string | null; position_kind: string };
  /** The policy the values are under, every class named (`public=clear,internal=clear,personal=mask`). */
  policy: string;
  /** Rows the run quarantined (a row with several reasons counts once) and flagged values now in the index. */
  counts: { quarantined_rows: number; flagged_values: number };
  /** One group per reason, in reason-code order. */
  groups: CorrectionGroup[];
}

/** What {@link readCorrectionReport} returns: the report, and the one codes it shows in clear (for access_log). */
export interface ReadReport {
  report: CorrectionReport;
  codesShown: string[];
}

/**
 * Reads the correction report of `pipeline`'s run `runId` (default: its latest successful run).
 * @param key the pseudonymisation key, needed when a class of `policy` is `pseudonymise`.
 * @throws ConfigError `run_unknown` when the pipeline has no such run (or no successful run).
 */
export async function readCorrectionReport(c: DuckDBConnection, o: { pipeline: Pipeline; runId?: string; policy: FeedPolicy; key?: Buffer }): Promise<ReadReport> {
  const { pipeline, policy, key } = o;
  const run = await chooseRun(c, pipeline.name, o.runId);
  const shown = (value: string | null, cls: ClassedValue): string | null | undefined => {
    const v = guardValue(value, cls.kind ?? 'opaque', policy[cls.class], key);
    return v === LEFT_OUT ? undefined : (v as string | null);
  };
  const clearMessages = policy.personal === 'clear' && policy.internal === 'clear';
  const explain = (code: string, message: unknown): string | null => {
    const stored = typeof message === 'string' ? message : null;
    if (!Object.hasOwn(REASON_CODES, code)) return stored;
    return (clearMessages ? stored : null) ?? REASON_CODES[code as keyof typeof REASON_CODES];
  };
  const withValue = (item: CorrectionItem, value: string | null | undefined): CorrectionItem => (value === undefined ? item : { ...item, value });

  const items: CorrectionItem[] = [];
  const quarantined = await rows(c, `SELECT line, raw, CAST(reasons AS VARCHAR) AS reasons FROM quarantined_row WHERE run_id = $1 AND pipeline = $2 ORDER BY line NULLS LAST`, [run.run_id, pipeline.name]);
  const rowClass: ClassedValue = { class: UNCLASSIFIED_COLUMN, kind: null };
  for (const q of quarantined) {
    const text = policy[rowClass.class] === 'mask' ? undefined : shown(q.raw === null ? null : String(q.raw), rowClass);
    for (const r of reasonList(q.reasons)) {
      items.push(withValue({ kind: 'quarantined', line: lineOf(q.line), field: r.field, reason: r.code, explanation: explain(r.code, r.message) }, text));
    }
  }

  const keyParts = pipeline.source_key.map((column) => columnClass(pipeline, column));
  const keyClass: ClassedValue = { class: strictest(keyParts.map((k) => k.class))!, kind: keyParts.length === 1 ? keyParts[0]!.kind : null };
  const codesShown = new Set<string>();
  const flagged = await rows(c, `SELECT source_key, line, one_code, CAST(payload AS VARCHAR) AS payload, CAST(flags AS VARCHAR) AS flags FROM source_record
    WHERE pipeline = $1 AND flags IS NOT NULL AND json_array_length(flags) > 0 ORDER BY line NULLS LAST, source_key`, [pipeline.name]);
  for (const f of flagged) {
    // numbers as written (an NDJSON source's 20-digit number stays whole)
    const payload = parseLossless(String(f.payload)) as Record<string, unknown>;
    const sourceKey = shown(String(f.source_key), keyClass);
    if (sourceKey === String(f.source_key) && typeof f.one_code === 'string') codesShown.add(f.one_code);
    for (const r of reasonList(f.flags)) {
      const raw = r.field === null || !Object.hasOwn(payload, r.field) ? null : payload[r.field];
      const value = r.field === null ? undefined : shown(valueText(raw), columnClass(pipeline, r.field));
      const item: CorrectionItem = { kind: 'flagged', line: lineOf(f.line), ...(sourceKey === undefined ? {} : { source_key: sourceKey }), field: r.field, reason: r.code, explanation: explain(r.code, r.message) };
      items.push(withValue(item, value));
    }
  }

  const groups = new Map<string, CorrectionGroup>();
  for (const item of items) {
    let g = groups.get(item.reason);
    if (g === undefined) groups.set(item.reason, (g = { reason: item.reason, quarantined: 0, flagged: 0, items: [] }));
    g[item.kind] += 1;
    g.items.push(item);
  }
  return {
    report: {
      pipeline: pipeline.name,
      system: pipeline.system,
      run,
      policy: formatFeedPolicy(policy),
      counts: { quarantined_rows: quarantined.length, flagged_values: items.filter((i) => i.kind === 'flagged').length },
      groups: [...groups.values()].sort((a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0)),
    },
    codesShown: [...codesShown],
  };
}

/** The run: `runId` of the pipeline, or its latest successful run. */
async function chooseRun(c: DuckDBConnection, pipeline: string, runId: string | undefined): Promise<CorrectionReport['run']> {
  const found = await rows(c, `SELECT run_id, run_no, status, source, coalesce(position_kind, 'line') AS position_kind FROM run_log
    WHERE pipeline = $1 AND ${runId === undefined ? "status = 'succeeded'" : 'run_id = $2'} ORDER BY run_no DESC LIMIT 1`,
  runId === undefined ? [pipeline] : [pipeline, runId]);
  const r = found[0];
  if (r === undefined) {
    throw new ConfigError('run_unknown', runId === undefined
      ? `pipeline ${pipeline} has no successful run in this index: run it first (onecode run ${pipeline})`
      : `pipeline ${pipeline} has no run ${runId} in this index (onecode query "SELECT run_id, status FROM runs WHERE pipeline = '${pipeline}'" lists them)`);
  }
  return { run_id: String(r.run_id), run_no: Number(r.run_no), status: String(r.status), source: r.source === null ? null : String(r.source), position_kind: String(r.position_kind) };
}

/**
 * The reasons of a JSON list (`[{code, field, message}]`), each with a code; a field that is empty
 * or `*` (the connectors' mark of a reason about the whole line or row, connectors/csv/reasons.ts,
 * connectors/xlsx/reasons.ts) is null.
 */
function reasonList(json: unknown): { code: string; field: string | null; message: unknown }[] {
  const list = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (!Array.isArray(list)) return [];
  return list.flatMap((r) => {
    if (r === null || typeof r !== 'object' || typeof (r as { code?: unknown }).code !== 'string') return [];
    const { code, field, message } = r as { code: string; field?: unknown; message?: unknown };
    return [{ code, field: typeof field === 'string' && field !== '' && field !== '*' ? field : null, message }];
  });
}

/** A payload value as text: a string as it is, a number as written, an object or array as its JSON; null for none. */
function valueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (isLosslessNumber(v) || typeof v !== 'object') return String(v);
  return stringifyLossless(v) ?? null;
}

const lineOf = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

async function rows(c: DuckDBConnection, sql: string, params: string[]): Promise<Record<string, unknown>[]> {
  return (await c.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, unknown>[];
}
