/**
 * Issue 12, "Sending corrections back": `onecode report PIPELINE` writes, for the sample's
 * accounting-staff run on a real DuckDB index, every quarantined row and every flagged value, grouped
 * by reason, as a workbook (read back with the project's own xlsx reader) and as JSON — the values
 * under the recipient's policy (masked by default; as the source has them under personal=clear) —
 * and records each report in access_log.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSheet } from '../../connectors/xlsx/read-sheet.ts';
import { REASON_CODES } from '../../src/identifiers/reason-codes.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { maskIdNumber } from '../../src/protect/masks.ts';
import type { CorrectionReport } from '../../src/report/correction-report.ts';
import { REASON_COLUMNS, reasonSheetNames, SUMMARY_COLUMNS, SUMMARY_SHEET } from '../../src/report/report-workbook.ts';
import { onecode } from '../support/cli.ts';
import { indexedSample } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

const PIPELINE = 'accounting-staff';
let ws: Workspace;
let db: string;

beforeAll(async () => {
  ws = await indexedSample();
  await ws.index.connection.run('CHECKPOINT');
  ws.index.close();
  ws.index.close = () => undefined;
  db = path.join(ws.dir, 'index.duckdb');
}, 240_000);
afterAll(async () => ws?.dispose());

/** Runs `onecode report` and reads what it wrote. */
async function report(args: string[] = [], pipeline = PIPELINE): Promise<{ line: Record<string, unknown>; json: CorrectionReport }> {
  const r = await onecode(['report', pipeline, '--pipelines', path.join(ws.dir, 'pipelines'), '--db', db, '--out', path.join(ws.dir, 'reports'), ...args], { cwd: ws.dir, env: { ONECODE_LOG_LEVEL: 'error' } });
  expect(r.code, r.stderr).toBe(0);
  const line = JSON.parse(r.stdout) as Record<string, unknown>;
  return { line, json: JSON.parse(await readFile(String(line.json), 'utf8')) as CorrectionReport };
}

/** What the index holds for the report: the latest successful run, its quarantined rows, the pipeline's flagged records. */
async function indexFacts() {
  const index = await openIndex(db);
  try {
    const rows = async (sql: string) => (await index.connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    const [run] = await rows(`SELECT run_id FROM run_log WHERE pipeline = '${PIPELINE}' AND status = 'succeeded' ORDER BY run_no DESC LIMIT 1`);
    const quarantined = await rows(`SELECT line, raw, CAST(reasons AS VARCHAR) AS reasons FROM quarantined_row WHERE run_id = '${String(run!.run_id)}'`);
    const flagged = await rows(`SELECT line, CAST(payload AS VARCHAR) AS payload, CAST(flags AS VARCHAR) AS flags FROM source_record WHERE pipeline = '${PIPELINE}' AND flags IS NOT NULL AND json_array_length(flags) > 0`);
    const ids = (await rows(`SELECT id_number FROM persons`)).map((r) => String(r.id_number));
    const accesses = await rows(`SELECT action, policy, row_count::INT AS row_count, query FROM access_log WHERE action = 'report' ORDER BY access_no`);
    type Reason = { code: string; field?: string; message?: string };
    return {
      runId: String(run!.run_id), ids, accesses,
      quarantined: quarantined.map((q) => ({ line: Number(q.line), raw: q.raw as string | null, reasons: JSON.parse(String(q.reasons)) as Reason[] })),
      flagged: flagged.map((f) => ({ line: Number(f.line), payload: JSON.parse(String(f.payload)) as Record<string, string>, flags: JSON.parse(String(f.flags)) as Reason[] })),
    };
  } finally {
    index.close();
  }
}

const items = (r: CorrectionReport) => r.groups.flatMap((g) => g.items);

describe('onecode report', () => {
  it('lists every quarantined row and flagged value of the run, grouped by reason, personal values masked by default', async () => {
    const { line, json } = await report();
    const facts = await indexFacts();
    expect(json.run.run_id).toBe(facts.runId);
    expect(json.policy).toBe('public=clear,internal=clear,personal=mask');
    expect(facts.quarantined.length).toBeGreaterThan(0);
    expect(facts.flagged.length).toBeGreaterThan(0);
    expect(json.counts.quarantined_rows).toBe(facts.quarantined.length);
    expect(line).toMatchObject({ pipeline: PIPELINE, run_id: facts.runId, quarantined_rows: facts.quarantined.length, reasons: json.groups.length });

    // every reason of every row, and every flag: nothing more, nothing less
    const expected = [
      ...facts.quarantined.flatMap((q) => q.reasons.map((r) => `quarantined ${r.code} ${q.line} ${r.field ?? null}`)),
      ...facts.flagged.flatMap((f) => f.flags.map((r) => `flagged ${r.code} ${f.line} ${r.field ?? null}`)),
    ].sort();
    expect(items(json).map((i) => `${i.kind} ${i.reason} ${i.line} ${i.field}`).sort()).toEqual(expected);
    for (const g of json.groups) {
      expect(g.items.every((i) => i.reason === g.reason)).toBe(true);
      expect([g.quarantined, g.flagged]).toEqual([g.items.filter((i) => i.kind === 'quarantined').length, g.items.filter((i) => i.kind === 'flagged').length]);
    }
    expect(json.groups.map((g) => g.reason)).toEqual([...new Set(json.groups.map((g) => g.reason))].sort());

    // masked: a row's text left out (a run of * would say nothing its line does not), an ID number
    // by its mask, a class left clear (sex: internal) as it is
    const quarantinedItems = items(json).filter((x) => x.kind === 'quarantined');
    expect(quarantinedItems.length).toBeGreaterThan(0);
    for (const i of quarantinedItems) {
      expect(facts.quarantined.some((q) => q.line === i.line)).toBe(true);
      expect(i).not.toHaveProperty('value');
    }
    const flaggedIds = items(json).filter((i) => i.kind === 'flagged' && i.field === '身份证号');
    for (const i of flaggedIds) expect(i.value).toBe(maskIdNumber(facts.flagged.find((f) => f.line === i.line)!.payload['身份证号']!));
    for (const i of items(json).filter((x) => x.kind === 'flagged' && x.field === '性别')) expect(i.value).toBe(facts.flagged.find((f) => f.line === i.line)!.payload['性别']);
    const text = await readFile(String(line.json), 'utf8');
    expect(facts.ids.filter((id) => text.includes(id))).toEqual([]);

    // every item says what is wrong: a row-level reason (no ID in the row, no source key) by its
    // stored message, which names no value; an identifier's reason by the code's description, never
    // its stored message, which quotes the value
    expect(items(json).filter((i) => i.explanation === null).map((i) => i.reason)).toEqual([]);
    const stored = (i: { kind: string; line: number | null; reason: string }) =>
      (i.kind === 'quarantined' ? facts.quarantined.find((q) => q.line === i.line)!.reasons : facts.flagged.find((f) => f.line === i.line)!.flags)
        .find((r) => r.code === i.reason);
    for (const i of items(json).filter((x) => x.reason === 'one_code_missing' || x.reason === 'source_key_missing')) {
      expect(i.explanation).toBe(stored(i)!.message);
    }
    for (const i of items(json).filter((x) => ['upgraded_from_15_digits', 'birth_date_impossible', 'check_character_mismatch'].includes(x.reason))) {
      expect(i.explanation).toBe(REASON_CODES[i.reason as keyof typeof REASON_CODES]);
      expect(i.explanation).not.toBe(stored(i)!.message);
    }

    // the workbook holds the same, read back with the project's own reader
    const summary = await readSheet(String(line.xlsx), { sheet: SUMMARY_SHEET });
    expect(summary.columns).toEqual([...SUMMARY_COLUMNS]);
    const summaryRows: (string | null)[][] = [];
    for await (const r of summary.rows()) if (r.kind === 'row') summaryRows.push(r.values);
    expect(summaryRows.map((v) => [v[0], v[2], v[3]])).toEqual(json.groups.map((g) => [g.reason, String(g.quarantined), String(g.flagged)]));
    const names = reasonSheetNames(json.groups.map((g) => g.reason));
    for (const [n, g] of json.groups.entries()) {
      const sheet = await readSheet(String(line.xlsx), { sheet: names[n]! });
      expect(sheet.columns).toEqual([...REASON_COLUMNS]);
      const values: (string | null)[][] = [];
      for await (const r of sheet.rows()) if (r.kind === 'row') values.push(r.values);
      expect(values.map((v) => [v[1], v[3], v[5]])).toEqual(g.items.map((i) => [i.line === null ? null : String(i.line), i.field, i.value === undefined || i.value === '' ? null : i.value]));
    }
  }, 120_000);

  it('under personal=clear shows the values as the source holds them; every report is recorded in access_log', async () => {
    const { json } = await report(['--policy', 'personal=clear']);
    const facts = await indexFacts();
    expect(json.policy).toBe('public=clear,internal=clear,personal=clear');
    for (const i of items(json)) {
      if (i.kind === 'quarantined') expect(i.value).toBe(facts.quarantined.find((q) => q.line === i.line)!.raw);
      else expect(i.value).toBe(facts.flagged.find((f) => f.line === i.line)!.payload[i.field!] ?? null);
    }
    expect(facts.accesses.map((a) => [a.action, a.policy, a.query])).toEqual([['report', 'mask', `report ${PIPELINE}`], ['report', 'clear', `report ${PIPELINE}`]]);
    expect(facts.accesses[1]!.row_count).toBe(items(json).length);
  }, 120_000);

  it('a row unreadable as a whole (a workbook row whose ID lost its digits) has no field, and says where and what to do under the default policy', async () => {
    const { json } = await report([], 'continuing-education');
    const lost = json.groups.find((g) => g.reason === 'xlsx_number_precision_lost');
    expect(lost?.quarantined).toBeGreaterThan(0);
    for (const i of lost!.items) {
      expect(i.field).toBeNull();
      expect(i.explanation).toMatch(/^sheet \S+ cell [A-Z]+\d+ \(身份证号\): .*format the column as text/);
    }
  }, 120_000);

  it('says which run is unknown, and refuses a policy it cannot parse, writing nothing', async () => {
    const unknown = await onecode(['report', PIPELINE, '--pipelines', path.join(ws.dir, 'pipelines'), '--db', db, '--run', 'r999999', '--out', path.join(ws.dir, 'none')], { cwd: ws.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^onecode: pipeline accounting-staff has no run r999999 in this index/);
    const bad = await onecode(['report', PIPELINE, '--pipelines', path.join(ws.dir, 'pipelines'), '--db', db, '--policy', 'personal=show'], { cwd: ws.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^onecode: --policy: 'show' is not a policy/);
    await expect(readFile(path.join(ws.dir, 'none'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
