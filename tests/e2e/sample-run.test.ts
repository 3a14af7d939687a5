import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineFolder } from '../../src/config/load-pipelines.ts';
import { lookupCode } from '../../src/index/lookup.ts';
import { generateSample } from '../../src/sample/generate.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

// From `sample` through `run` to the index, with the repository's own pipelines.
describe('sample → run → index', () => {
  let ws: Workspace;
  let pipelines: Pipeline[];
  const byName = (name: string) => pipelines.find((p) => p.name === name)!;
  const sampleFile = (name: string) => path.join(ws.dir, 'data/sample', name);

  beforeAll(async () => {
    ws = await createWorkspace();
    await cp(path.join(REPO, 'pipelines'), path.join(ws.dir, 'pipelines'), { recursive: true });
    await generateSample({ outDir: path.join(ws.dir, 'data/sample'), seed: 7, scale: 1 });
    pipelines = await loadPipelineFolder(path.join(ws.dir, 'pipelines'));
  });
  afterAll(async () => ws.dispose());

  it('loads every pipeline and the counts add up', async () => {
    expect(pipelines.map((p) => p.name)).toEqual(['accounting-staff', 'bookkeeping-agencies', 'procurement-suppliers', 'subsidy-payments']);
    for (const p of pipelines) {
      const run = await ws.run(p);
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

  it('lookup of a person finds the golden person and records from at least two systems, also by the 15-digit number', async () => {
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
    const [before] = await ws.rows(`SELECT count(*)::INT AS n FROM changes`);
    for (const p of pipelines) {
      const run = await ws.run(p);
      expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 0, events: 0 });
    }
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM changes`)).toEqual([before]);
  });

  it('one changed source row emits exactly one update with before and after', async () => {
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
    const p = byName('accounting-staff');
    // a person known to this one system only, under one source key
    const [victim] = await ws.rows(`
      SELECT one_code, min(source_key) AS source_key FROM records WHERE entity = 'person'
      GROUP BY one_code HAVING count(*) = 1 AND min(source_key) = one_code ORDER BY one_code LIMIT 1`);
    const iconv = (await import('iconv-lite')).default;
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
    const db = path.join(ws.dir, 'cli.duckdb');
    const run = await onecode(['run', '--all', '--db', db], { cwd: path.join(ws.dir) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/rows read (\d+) = loaded \d+ \+ duplicates \d+ \+ quarantined \d+: counts add up/);
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
