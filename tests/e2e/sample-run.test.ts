import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineFolder, resolveSourcePath } from '../../src/config/load-pipelines.ts';
import { lookupCode } from '../../src/index/lookup.ts';
import type { RunSummary } from '../../src/run/run-pipeline.ts';
import { generateSample } from '../../src/sample/generate.ts';
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
 * lines); NDJSON one row per non-empty line.
 */
async function exportRows(pipeline: Pipeline): Promise<ExportRow[]> {
  const bytes = await readFile(resolveSourcePath(pipeline, (pipeline.connector as { path: string }).path));
  const connector = pipeline.connector as { kind: string; encoding?: string };
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
    await generateSample({ outDir: path.join(base.dir, 'data/sample'), seed: 7, scale: 1 });
    pipelines = await loadPipelineFolder(path.join(base.dir, 'pipelines'));
    for (const p of pipelines) runs.set(p.name, await base.run(p));
  });
  afterEach(async () => {
    for (const ws of copies.splice(0)) await ws.dispose();
  });
  afterAll(async () => base.dispose());

  it('loads every pipeline and the counts add up', async () => {
    const ws = base;
    expect(pipelines.map((p) => p.name)).toEqual(['accounting-staff', 'bookkeeping-agencies', 'procurement-suppliers', 'subsidy-payments']);
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
