import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readSheet } from '../../connectors/xlsx/read-sheet.ts';
import { loadPipelineFolder, resolveSourcePath } from '../../src/config/load-pipelines.ts';
import { lookupCode } from '../../src/index/lookup.ts';
import type { RunSummary } from '../../src/run/run-pipeline.ts';
import { generateSample } from '../../src/sample/generate.ts';
import type { SampleManifest } from '../../src/sample/manifest.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { onecode } from '../support/cli.ts';
import { copyWorkspace, createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

/** A data row of an export as this test reads it: the physical line it starts on, and its content. */
interface ExportRow {
  line: number;
  content: string;
}

/**
 * The data rows of a pipeline's extract, read here independently of the connectors (which stage
 * CSV with DuckDB's read_csv and NDJSON line by line): CSV with csv-parse, each record starting
 * on the line after the previous record ends (quoted newlines span lines; the sample has no blank
 * lines); NDJSON one row per non-empty line; a workbook with the xlsx reader (its own tests check
 * it against hand-written SpreadsheetML), each row at its sheet row, blank rows skipped.
 */
async function exportRows(pipeline: Pipeline): Promise<ExportRow[]> {
  const file = resolveSourcePath(pipeline, (pipeline.connector as { path: string }).path);
  const connector = pipeline.connector as { kind: string; encoding?: string; sheet?: string | number; header_row?: number };
  if (connector.kind === 'xlsx') {
    const sheet = await readSheet(file, { sheet: connector.sheet, headerRow: connector.header_row });
    const rows: ExportRow[] = [];
    for await (const r of sheet.rows()) rows.push({ line: r.row, content: JSON.stringify(r.kind === 'row' ? r.values : r.raw) });
    return rows;
  }
  const bytes = await readFile(file);
  let text = connector.encoding === 'gbk' ? iconv.decode(bytes, 'gbk') : bytes.toString('utf8');
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (connector.kind === 'ndjson') {
    return text.split('\n').flatMap((content, i) => (content.trim() === '' ? [] : [{ line: i + 1, content: content.replace(/\r$/, '') }]));
  }
  const records = parse(text, { raw: true }) as unknown as { record: string[]; raw: string }[];
  let line = 1;
  return records.flatMap(({ record, raw }, i) => {
    const row = { line, content: JSON.stringify(record) };
    line += 1 + (raw.replace(/\r?\n?$/, '').match(/\n/g)?.length ?? 0); // (raw keeps a record's inner newlines, not always its last)
    return i === 0 ? [] : [row]; // the header
  });
}

/** Rows whose content repeats an earlier row's exactly, and the lines of the others. */
function splitRepeats(rows: ExportRow[]): { repeats: number; firstLines: number[] } {
  const seen = new Set<string>();
  const firstLines: number[] = [];
  for (const row of rows) {
    if (!seen.has(row.content)) firstLines.push(row.line);
    seen.add(row.content);
  }
  return { repeats: rows.length - firstLines.length, firstLines };
}

// From `sample` through `run` to the index, with the repository's own pipelines. The sample is
// indexed once (beforeAll); a test that changes an extract or the index works on a copy.
describe('sample → run → index', () => {
  let base: Workspace;
  let pipelines: Pipeline[];
  let manifest: SampleManifest;
  const runs = new Map<string, RunSummary>();
  const copies: Workspace[] = [];
  /** A copy of the indexed sample, with its pipelines loaded from the copy. */
  const copy = async () => {
    const ws = await copyWorkspace(base);
    copies.push(ws);
    const own = await loadPipelineFolder(path.join(ws.dir, 'pipelines'));
    return { ws, byName: (name: string) => own.find((p) => p.name === name)!, sampleFile: (name: string) => path.join(ws.dir, 'data/sample', name) };
  };

  beforeAll(async () => {
    base = await createWorkspace();
    await cp(path.join(REPO, 'pipelines'), path.join(base.dir, 'pipelines'), { recursive: true });
    manifest = await generateSample({ outDir: path.join(base.dir, 'data/sample'), seed: 7, scale: 1 });
    pipelines = await loadPipelineFolder(path.join(base.dir, 'pipelines'));
    for (const p of pipelines) runs.set(p.name, await base.run(p));
  });
  afterEach(async () => {
    for (const ws of copies.splice(0)) await ws.dispose();
  });
  afterAll(async () => base.dispose());

  it('loads every pipeline and the counts add up', async () => {
    const ws = base;
    expect(pipelines.map((p) => p.name)).toEqual([
      'accounting-staff', 'bookkeeping-agencies', 'continuing-education', 'licences-organisations', 'licences-persons', 'procurement-suppliers', 'subsidy-payments',
    ]);
    for (const p of pipelines) {
      const run = runs.get(p.name)!;
      expect(run.status, `${p.name}: ${run.error}`).toBe('succeeded');
      expect(run.loaded + run.duplicates + run.quarantined).toBe(run.rowsRead);
      expect(run.loaded).toBeGreaterThan(0);
      expect(run.duplicates).toBeGreaterThan(0); // the generator injects exact duplicate rows
      expect(run.quarantined).toBeGreaterThan(0); // and invalid or missing codes
      const [stored] = await ws.rows(`SELECT count(*)::INT AS n FROM records WHERE pipeline = '${p.name}'`);
      expect(stored!.n).toBe(run.loaded);
      const [q] = await ws.rows(`SELECT count(DISTINCT line)::INT AS n FROM quarantine WHERE run_id = '${run.runId}'`);
      expect(q!.n).toBe(run.quarantined);
    }
    const [dirty] = await ws.rows(`SELECT count(*)::INT AS n FROM records WHERE contains(CAST(payload AS VARCHAR), chr(65533))`);
    expect(dirty!.n).toBe(0);
  });

  it('every row of every export, counted here from the file, is in exactly one place: a record, a quarantined row, or an exact repeat', async () => {
    const ws = base;
    for (const p of pipelines) {
      const run = runs.get(p.name)!;
      const rows = await exportRows(p);
      const { repeats, firstLines } = splitRepeats(rows);
      // The sample injects exact repeats of clean rows (and no second version of a source key),
      // so every exact repeat is a duplicate of a loaded row.
      expect(repeats, p.name).toBeGreaterThan(0);
      const [logged] = await ws.rows(`SELECT rows_read::INT AS rows_read, duplicates::INT AS duplicates, loaded::INT AS loaded, quarantined::INT AS quarantined FROM runs WHERE run_id = '${run.runId}'`);
      expect(logged, p.name).toEqual({ rows_read: rows.length, duplicates: repeats, loaded: run.loaded, quarantined: run.quarantined });
      expect(run, p.name).toMatchObject({ rowsRead: rows.length, duplicates: repeats });
      const recordLines = (await ws.rows(`SELECT line::INT AS line FROM records WHERE pipeline = '${p.name}'`)).map((r) => Number(r.line));
      const quarantineLines = (await ws.rows(`SELECT line::INT AS line FROM quarantine WHERE run_id = '${run.runId}'`)).map((r) => Number(r.line));
      expect(recordLines.length, p.name).toBe(run.loaded);
      expect(quarantineLines.length, p.name).toBe(run.quarantined);
      expect(recordLines.length + quarantineLines.length + repeats, p.name).toBe(rows.length);
      // line by line: each row that is no repeat is one record or one quarantined row, never both
      const numeric = (a: number, b: number) => a - b;
      expect([...recordLines, ...quarantineLines].sort(numeric), p.name).toEqual(firstLines.sort(numeric));
      const [superseded] = await ws.rows(`SELECT count(*)::INT AS n FROM quarantine WHERE run_id = '${run.runId}' AND list_contains(reason_codes, 'source_key_superseded')`);
      expect(superseded!.n, p.name).toBe(0);
    }
  });

  it('the licence library: wrong check characters quarantined, expired and revoked kept with their state, legacy holders linked to their one code', async () => {
    const ws = base;
    const cases = (await readFile(path.join(base.dir, 'data/sample', manifest.cases.path), 'utf8')).trim().split('\n')
      .map((l) => JSON.parse(l) as { kind: string; system: string; row: number; dirty?: string; clean?: string });
    for (const system of ['licences-persons', 'licences-organisations']) {
      const file = manifest.files.find((f) => f.system === system)!;
      const of = (kind: string) => cases.filter((c) => c.system === system && c.kind === kind);
      const quarantined = await ws.rows(`SELECT line::INT AS line, reason_codes FROM quarantine WHERE pipeline = '${system}' ORDER BY line`);
      // data row n is on line n + 1 (no field of these files spans lines)
      expect(quarantined, system).toEqual(of('licenceWrongCheck').map((c) => ({ line: c.row + 1, reason_codes: ['check_character_mismatch'] })));
      expect(runs.get(system)).toMatchObject({ rowsRead: file.rows, duplicates: file.injections.duplicateRow, quarantined: of('licenceWrongCheck').length });
      const states = await ws.rows(`
        SELECT CASE WHEN licence_status = '注销' THEN 'revoked' WHEN TRY_CAST(valid_to AS DATE) < DATE '${manifest.runDate}' THEN 'expired' ELSE 'valid' END AS state, count(*)::INT AS n
        FROM source_record WHERE pipeline = '${system}' GROUP BY ALL ORDER BY state`);
      expect(states, system).toEqual([
        { state: 'expired', n: of('licenceExpired').length },
        { state: 'revoked', n: of('licenceRevoked').length },
        { state: 'valid', n: file.rows - file.injections.duplicateRow! - of('licenceExpired').length - of('licenceRevoked').length - of('licenceWrongCheck').length },
      ]);
    }
    // a person written by the 15-digit number: the licence is held under the 18-character one
    for (const c of cases.filter((x) => x.system === 'licences-persons' && x.kind === 'legacy15Id')) {
      const [r] = await ws.rows(`SELECT one_code FROM source_record WHERE pipeline = 'licences-persons' AND line = ${c.row + 1}`);
      expect(r, JSON.stringify(c)).toEqual({ one_code: c.clean });
    }
    // an organisation written by its organisation code only: linked to the USCC embedding it
    const legacy = cases.filter((x) => x.system === 'licences-organisations' && x.kind === 'licenceLegacyHolder');
    expect(legacy.length).toBeGreaterThan(0);
    for (const c of legacy) {
      const [r] = await ws.rows(`SELECT one_code, code_status, linked_via FROM source_record WHERE pipeline = 'licences-organisations' AND line = ${c.row + 1}`);
      expect(r, JSON.stringify(c)).toEqual({ one_code: c.clean, code_status: 'linked', linked_via: 'org_code' });
    }
  });

  it('the workbook: every data row read, the IDs Excel cut to 15 digits quarantined, the rest loaded under the clean ID', async () => {
    const ws = base;
    const file = manifest.files.find((f) => f.system === 'continuing-education')!;
    const n = file.injections;
    const run = runs.get('continuing-education')!;
    expect(run).toMatchObject({
      status: 'succeeded',
      rowsRead: file.rows, // blank sheet rows are not rows
      duplicates: n.duplicateRow,
      quarantined: n.idPrecisionLost,
      loaded: file.rows - n.duplicateRow! - n.idPrecisionLost!,
    });
    expect(n.idPrecisionLost).toBeGreaterThan(0);
    const reasons = await ws.rows(`SELECT reason_codes::VARCHAR AS r, count(*)::INT AS n FROM quarantine WHERE run_id = '${run.runId}' GROUP BY ALL`);
    expect(reasons).toEqual([{ r: '[xlsx_number_precision_lost]', n: n.idPrecisionLost }]);
    // rows with an ID in a number cell (18 digits) or a lower-case x are indexed under the person's
    // clean ID, a golden person unless that person's own registry row was quarantined
    const cases = (await readFile(path.join(base.dir, 'data/sample', manifest.cases.path), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { kind: string; system: string; row: number; clean?: string })
      .filter((c) => c.system === 'continuing-education' && (c.kind === 'idNumberAsNumber' || c.kind === 'lowerCase'));
    expect(cases.length).toBe(n.idNumberAsNumber! + n.lowerCase!);
    const keys = cases.map((c) => `'JXJY-${String(c.row).padStart(6, '0')}'`).join(',');
    const linked = await ws.rows(`SELECT r.source_key, r.one_code, p.id_number IS NOT NULL AS golden FROM records r LEFT JOIN persons p ON p.id_number = r.one_code WHERE r.pipeline = 'continuing-education' AND r.source_key IN (${keys}) ORDER BY r.source_key`);
    expect(linked.length).toBe(cases.length);
    const clean = new Map(cases.map((c) => [`JXJY-${String(c.row).padStart(6, '0')}`, c.clean]));
    for (const r of linked) expect(r.one_code, String(r.source_key)).toBe(clean.get(String(r.source_key)));
    expect(linked.filter((r) => r.golden).length).toBeGreaterThan(0.9 * linked.length);
  });

  it('lookup of a person finds the golden person and records from at least two systems, also by the 15-digit number', async () => {
    const ws = base;
    const [row] = await ws.rows(`
      SELECT r.one_code FROM records r JOIN persons p ON p.id_number = r.one_code
      GROUP BY r.one_code HAVING count(DISTINCT r.system) >= 2 ORDER BY r.one_code LIMIT 1`);
    expect(row).toBeDefined();
    const doc = await lookupCode(ws.index.connection, String(row!.one_code), '2026-01-01');
    expect(doc!.person).toMatchObject({ id_number: row!.one_code });
    expect(doc!.systems.length).toBeGreaterThanOrEqual(2);
    const [legacy] = await ws.rows(`SELECT one_code, source_key FROM records WHERE length(source_key) = 15 AND entity = 'person' LIMIT 1`);
    const byAlias = await lookupCode(ws.index.connection, String(legacy!.source_key), '2026-01-01');
    expect(byAlias!.code).toBe(legacy!.one_code);
    expect(byAlias!.records.some((r) => r.source_key === legacy!.source_key)).toBe(true);
  });

  it('re-running unchanged sources writes no event', async () => {
    const { ws, byName } = await copy();
    const [before] = await ws.rows(`SELECT count(*)::INT AS n FROM changes`);
    for (const p of pipelines) {
      const run = await ws.run(byName(p.name));
      expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 0, events: 0 });
    }
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM changes`)).toEqual([before]);
  });

  it('one changed source row emits exactly one update with before and after', async () => {
    const { ws, byName, sampleFile } = await copy();
    const p = byName('subsidy-payments');
    const file = sampleFile('subsidy-payments.csv');
    const lines = (await readFile(file, 'utf8')).split('\n');
    const [key, id, , , amount] = lines[1]!.split(',');
    lines[1] = lines[1]!.replace(`,${amount},`, ',99999.99,');
    await writeFile(file, lines.join('\n'));
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 1, deleted: 0, events: 1 });
    const [ev] = await ws.rows(`SELECT op, entity, code, event FROM changes WHERE run_id = '${run.runId}'`);
    expect(ev).toMatchObject({ op: 'u', entity: 'record', code: id });
    const event = JSON.parse(String(ev!.event));
    expect(event.before.fields.发放金额).toBe(amount);
    expect(event.after.fields.发放金额).toBe('99999.99');
    expect(event.after.source_key).toBe(key);
  });

  it('one removed row of a snapshot source emits exactly one delete', async () => {
    const { ws, byName, sampleFile } = await copy();
    const p = byName('accounting-staff');
    // a person known to this one system only, under one source key
    const [victim] = await ws.rows(`
      SELECT one_code, min(source_key) AS source_key FROM records WHERE entity = 'person'
      GROUP BY one_code HAVING count(*) = 1 AND min(source_key) = one_code ORDER BY one_code LIMIT 1`);
    const file = sampleFile('accounting-staff.gbk.csv');
    const text = iconv.decode(await readFile(file), 'gbk');
    const kept = text.split('\n').filter((l) => !l.startsWith(`${victim!.source_key},`));
    expect(kept.length).toBe(text.split('\n').length - 1);
    await writeFile(file, iconv.encode(kept.join('\n'), 'gbk'));
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 1, events: 1 });
    const [ev] = await ws.rows(`SELECT op, entity, code, event FROM changes WHERE run_id = '${run.runId}'`);
    expect(ev).toMatchObject({ op: 'd', entity: 'person', code: victim!.one_code });
    const event = JSON.parse(String(ev!.event));
    expect(event.before.id_number).toBe(victim!.one_code);
    expect(event.after).toBeNull();
    expect(await ws.rows(`SELECT * FROM persons WHERE id_number = '${victim!.one_code}'`)).toEqual([]);
  });

  it('the CLI prints a summary that adds up, and analysts can query and look up', async () => {
    const { ws, byName } = await copy();
    const db = path.join(ws.dir, 'cli.duckdb');
    const run = await onecode(['run', '--all', '--db', db], { cwd: path.join(ws.dir), env: { KAFKA_BROKERS: '' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/rows read (\d+) = loaded \d+ \+ duplicates \d+ \+ quarantined \d+: counts add up/);
    // the totals, against the rows and repeats counted here from the files
    let rowsRead = 0;
    let repeats = 0;
    for (const p of pipelines) {
      const rows = await exportRows(byName(p.name));
      rowsRead += rows.length;
      repeats += splitRepeats(rows).repeats;
    }
    const [, read, loaded, duplicates, quarantined] = /rows read (\d+) = loaded (\d+) \+ duplicates (\d+) \+ quarantined (\d+)/.exec(run.stdout)!.map(Number);
    expect({ read, duplicates }).toEqual({ read: rowsRead, duplicates: repeats });
    expect(loaded! + duplicates! + quarantined!).toBe(rowsRead);
    const q = await onecode(['query', 'SELECT count(*) AS n FROM persons', '--format', 'json', '--db', db]);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)[0].n).toBeGreaterThan(1000);
    const write = await onecode(['query', 'DELETE FROM golden_person', '--db', db]);
    expect(write.code).toBe(2);
    expect(write.stderr).toMatch(/^onecode: query failed: .*read-only/m);
    const usage = await onecode(['run', '--db', db], { cwd: ws.dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('onecode: name the pipelines to run, or pass --all\n');
    const badOption = await onecode(['query', 'SELECT 1', '--format', 'xml', '--db', db]);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr.trim().split('\n')).toHaveLength(1);
    const noIndex = await onecode(['status', '--db', path.join(ws.dir, 'nowhere.duckdb')]);
    expect(noIndex.code).toBe(2);
    expect(noIndex.stderr).toMatch(/^onecode: .*nowhere\.duckdb: no index here yet/);
    await writeFile(path.join(ws.dir, 'data/sample/subsidy-payments.csv'), '');
    const failed = await onecode(['run', 'subsidy-payments', '--db', db], { cwd: ws.dir, env: { ONECODE_LOG_LEVEL: 'silent' } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^onecode: subsidy-payments failed \(source_empty\): .*subsidy-payments\.csv: file is empty/);
  });
});
