/**
 * One classification for every way data leaves (issue 12): the Parquet export classes values by
 * what the pipelines declare (`classification:`, recorded per run in event_classes), as the feeds
 * do, the stricter of that and the analyst views' table winning. On the indexed sample, in real
 * DuckDB files: a legal person's registered address is personal in the export as in the feed (the
 * same masked text); a pipeline that declares its name column personal has legal persons' names
 * masked or dropped under personal=mask/drop and clear under personal=clear, its own source
 * records' names too and not another pipeline's; an analyst's query shows what the export writes; and no column of the sample's export under the
 * default policy is clearer than before this rule (fixtures/default-policy-before.json, the
 * manifest's columns captured with the analyst table alone).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Requester } from '../../src/access/protected-lookup.ts';
import { queryAs } from '../../src/access/protected-query.ts';
import { exportIndex, type ExportManifest } from '../../src/export/export-index.ts';
import { DEFAULT_EXPORT_POLICY, resolveExportPolicy } from '../../src/export/export-policy.ts';
import { DuckDBInstance } from '../../src/index/duckdb-api.ts';
import { readEventClasses } from '../../src/outbox/event-classes.ts';
import { maskAddress, MASK } from '../../src/protect/masks.ts';
import { createEventProtector } from '../../src/push/protect-event.ts';
import { agencyNamesDeclaredPersonal, indexedSample } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

const STEWARD: Requester = { name: 'export-classes-test', role: 'steward', channel: 'cli' };
const KEY = Buffer.alloc(32, 7);
let ws: Workspace;
let reader: DuckDBConnection;

const rowsOf = async (sql: string): Promise<Record<string, unknown>[]> => (await reader.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
const readView = (dir: string, view: string) => `read_parquet('${dir}/${view}/**/*.parquet', hive_partitioning = false)`;
const columnOf = (m: ExportManifest, view: string, column: string) => m.views.find((v) => v.view === view)!.columns.find((c) => c.name === column);

beforeAll(async () => {
  ws = await indexedSample(2);
  reader = await (await DuckDBInstance.create(':memory:')).connect();
}, 300_000);
afterAll(async () => {
  reader?.closeSync();
  await ws?.dispose();
});

describe('the export classes values as the pipelines declare them', () => {
  it('under the default policy no column of the sample is clearer than with the analyst table alone; the registered address is now personal', async () => {
    const out = path.join(ws.dir, 'export-default');
    const manifest = await exportIndex(ws.index.connection, STEWARD, { out, policy: DEFAULT_EXPORT_POLICY });
    const before = JSON.parse(await readFile(new URL('./fixtures/default-policy-before.json', import.meta.url), 'utf8')) as Record<string, { columns: Record<string, string[]>; left_out: string[] }>;
    // the licences view came after the fixture (its classes: tests/export/parquet-export.test.ts)
    const NEW_VIEWS = ['licences'];
    expect(manifest.views.map((v) => v.view).sort()).toEqual([...Object.keys(before), ...NEW_VIEWS].sort());
    const changed: string[] = [];
    for (const v of manifest.views.filter((m) => !NEW_VIEWS.includes(m.view))) {
      const was = before[v.view]!;
      // a column left out before is left out still
      expect({ view: v.view, left_out: was.left_out.filter((c) => !v.left_out.includes(c)) }).toEqual({ view: v.view, left_out: [] });
      for (const c of v.columns) {
        const old = was.columns[c.name];
        expect(old, `${v.view}.${c.name} was written before`).toBeDefined();
        const now = c.classes.map((k, i) => `${k} ${c.treatment[i]}`);
        // a column never written in clear before is never written in clear now
        if (!old!.some((t) => t.endsWith(' clear'))) expect({ column: `${v.view}.${c.name}`, now }).not.toMatchObject({ now: expect.arrayContaining([expect.stringMatching(/ clear$/)]) });
        if (JSON.stringify(now) !== JSON.stringify(old)) changed.push(`${v.view}.${c.name}`);
      }
    }
    // what the pipelines' classes change in the sample: a legal person's registered address (personal by
    // default, GB/T 35273-2020) in the golden view and in its source records
    expect(columnOf(manifest, 'legal_persons', 'address')).toEqual({ name: 'address', classes: ['personal'], treatment: ['mask'] });
    expect(columnOf(manifest, 'records', 'address')!.classes).not.toContain('public');
    expect(changed).toContain('legal_persons.address');
    // a typed column keeps its type: the records' updated_at is the index's timestamp, not text
    const typeOf = async (sql: string, column: string) => (await rowsOf(`DESCRIBE ${sql}`)).find((r) => r.column_name === column)!.column_type;
    expect(await typeOf(`SELECT * FROM ${readView(out, 'records')}`, 'updated_at')).toBe((await ws.rows(`DESCRIBE SELECT updated_at FROM records`))[0]!.column_type);

    // the values: every address masked by its pattern, none in clear
    const inIndex = new Map((await ws.rows(`SELECT uscc, address FROM legal_persons WHERE address IS NOT NULL`)).map((r) => [String(r.uscc), String(r.address)]));
    expect(inIndex.size).toBeGreaterThan(0);
    const exported = await rowsOf(`SELECT uscc, address FROM ${readView(out, 'legal_persons')} WHERE address IS NOT NULL`);
    expect(exported.length).toBe(inIndex.size);
    for (const r of exported) expect(r.address).toBe(maskAddress(inIndex.get(String(r.uscc))!));
    const recordAddresses = await rowsOf(`SELECT count(*)::INTEGER AS n FROM ${readView(out, 'records')} WHERE address IN (SELECT unnest([${[...inIndex.values()].map((a) => `'${a.replaceAll("'", "''")}'`).join(', ')}]))`);
    expect(recordAddresses[0]!.n).toBe(0);
  });

  it("classes the registered address the same in a feed and in the export: the feed's masked text is the export's", async () => {
    const classes = await readEventClasses(ws.index.connection);
    expect(classes.golden('legal_person').get('address')).toEqual({ class: 'personal', kind: 'address' });
    const [row] = await ws.rows(`
      SELECT seq, event_id, entity, op, code, event FROM outbox
      WHERE entity = 'legal_person' AND json_extract_string(event, '$.after.address') IS NOT NULL ORDER BY seq DESC LIMIT 1`);
    expect(row).toBeDefined();
    const protect = createEventProtector({ policy: DEFAULT_EXPORT_POLICY, key: KEY, classes });
    const fed = protect({ seq: BigInt(String(row!.seq)), eventId: String(row!.event_id), entity: 'legal_person', op: String(row!.op), code: String(row!.code), event: String(row!.event) });
    if (typeof fed === 'string') throw new Error(fed);
    const fedAddress = (JSON.parse(fed.event) as { after: { address: string } }).after.address;
    const clearAddress = (JSON.parse(String(row!.event)) as { after: { address: string } }).after.address;
    expect(fedAddress).not.toBe(clearAddress);
    const out = path.join(ws.dir, 'export-address');
    await exportIndex(ws.index.connection, STEWARD, { out, policy: DEFAULT_EXPORT_POLICY, views: ['legal_persons'] });
    // the golden address is the event's when the event is the latest of its legal person
    const [golden] = await ws.rows(`SELECT address FROM legal_persons WHERE uscc = '${String(row!.code)}'`);
    const [exported] = await rowsOf(`SELECT address FROM ${readView(out, 'legal_persons')} WHERE uscc = '${String(row!.code)}'`);
    expect(golden!.address).toBe(clearAddress);
    expect(exported!.address).toBe(fedAddress);
  });

  describe('a pipeline that declares its name column personal', () => {
    let declared: Workspace;
    /** Legal persons' names in the index, by USCC. */
    let names: Map<string, string>;
    beforeAll(async () => {
      declared = await agencyNamesDeclaredPersonal(ws);
      names = new Map((await declared.rows(`SELECT uscc, name FROM legal_persons WHERE name IS NOT NULL`)).map((r) => [String(r.uscc), String(r.name)]));
      expect(names.size).toBeGreaterThan(0);
    }, 300_000);
    afterAll(async () => {
      await declared?.dispose();
    });

    it('masks the names under personal=mask (golden, lineage, relations, its own records), not another pipeline\'s records', async () => {
      const out = path.join(declared.dir, 'export-mask');
      const manifest = await exportIndex(declared.index.connection, STEWARD, { out, policy: DEFAULT_EXPORT_POLICY, key: KEY });
      expect(columnOf(manifest, 'legal_persons', 'name')).toEqual({ name: 'name', classes: ['personal'], treatment: ['mask'] });
      const exported = await rowsOf(`SELECT uscc, name FROM ${readView(out, 'legal_persons')} WHERE name IS NOT NULL`);
      expect(exported.length).toBe(names.size);
      for (const r of exported) expect(r.name).toBe(MASK.repeat([...names.get(String(r.uscc))!].length));
      const lineage = await rowsOf(`SELECT count(*)::INTEGER AS n FROM ${readView(out, 'lineage')} WHERE entity = 'legal_person' AND field = 'name' AND NOT regexp_full_match(value, '\\*+')`);
      expect(lineage[0]!.n).toBe(0);
      const relations = await rowsOf(`SELECT count(*)::INTEGER AS n FROM ${readView(out, 'relations')} WHERE from_entity = 'legal_person' AND from_name IS NOT NULL AND NOT regexp_full_match(from_name, '\\*+')`);
      expect(relations[0]!.n).toBe(0);
      // source records: the declaring pipeline's names masked, the procurement suppliers' (legal persons, name not declared) in clear
      const records = await rowsOf(`
        SELECT pipeline, count(*) FILTER (WHERE regexp_full_match(name, '\\*+'))::INTEGER AS masked, count(*)::INTEGER AS n
        FROM ${readView(out, 'records')} WHERE name IS NOT NULL AND pipeline IN ('bookkeeping-agencies', 'procurement-suppliers') GROUP BY pipeline ORDER BY pipeline`);
      expect(records.map((r) => r.pipeline)).toEqual(['bookkeeping-agencies', 'procurement-suppliers']);
      expect(records[0]!.masked).toBe(records[0]!.n);
      expect(records[1]!.masked).toBe(0);
    });

    it("an analyst's query shows what the export writes: the same classes, the same masks", async () => {
      const out = path.join(declared.dir, 'export-mask');
      const analyst: Requester = { name: 'export-classes-analyst', role: 'analyst', channel: 'cli' };
      const columns = 'uscc, name, address, legal_representative, region_code';
      const queried = await queryAs(declared.index.connection, `SELECT ${columns} FROM legal_persons ORDER BY uscc`, analyst, { maxRows: 100_000 });
      const exported = await rowsOf(`SELECT ${columns} FROM ${readView(out, 'legal_persons')} ORDER BY uscc`);
      expect(queried.rows.length).toBe(names.size);
      expect(queried.rows).toEqual(exported.map((r) => columns.split(', ').map((c) => r[c] ?? null)));
      const records = `SELECT pipeline, source_key, name, address FROM records WHERE pipeline IN ('bookkeeping-agencies', 'procurement-suppliers') ORDER BY pipeline, source_key`;
      const queriedRecords = await queryAs(declared.index.connection, records, analyst, { maxRows: 100_000 });
      const exportedRecords = await rowsOf(records.replace('FROM records', `FROM ${readView(out, 'records')}`));
      expect(queriedRecords.rows.length).toBeGreaterThan(0);
      expect(queriedRecords.rows).toEqual(exportedRecords.map((r) => ['pipeline', 'source_key', 'name', 'address'].map((c) => r[c] ?? null)));
    });

    it('drops the names under personal=drop and writes them in clear under personal=clear', async () => {
      const dropped = path.join(declared.dir, 'export-drop');
      const m = await exportIndex(declared.index.connection, STEWARD, { out: dropped, policy: resolveExportPolicy('personal=drop', {}), views: ['legal_persons', 'records'] });
      expect(m.views.find((v) => v.view === 'legal_persons')!.left_out).toContain('name');
      const columns = (await rowsOf(`DESCRIBE SELECT * FROM ${readView(dropped, 'legal_persons')}`)).map((r) => r.column_name);
      expect(columns).not.toContain('name');
      const agencyNames = await rowsOf(`SELECT count(name)::INTEGER AS named, count(*)::INTEGER AS n FROM ${readView(dropped, 'records')} WHERE pipeline = 'bookkeeping-agencies'`);
      expect(agencyNames[0]!.n).toBeGreaterThan(0);
      expect(agencyNames[0]!.named).toBe(0);

      const clear = path.join(declared.dir, 'export-clear');
      await exportIndex(declared.index.connection, STEWARD, { out: clear, policy: resolveExportPolicy('personal=clear', {}), views: ['legal_persons'] });
      const exported = await rowsOf(`SELECT uscc, name FROM ${readView(clear, 'legal_persons')} WHERE name IS NOT NULL`);
      expect(new Map(exported.map((r) => [String(r.uscc), String(r.name)]))).toEqual(names);
    });

    it('refuses --partition-by region when a pipeline classes the region stricter than the policy leaves clear', async () => {
      await expect(exportIndex(declared.index.connection, STEWARD, { out: path.join(declared.dir, 'export-region'), policy: DEFAULT_EXPORT_POLICY, partitionBy: 'region', views: ['persons'] })).resolves.toBeDefined();
      // a person pipeline whose region column is declared personal, as its run would record it
      const classes = JSON.stringify({ version: 1, entity: 'person', golden: [{ field: 'region_code', class: 'personal' }], record: null });
      await declared.index.connection.run(`INSERT INTO event_classes (pipeline, entity, classes, run_id, recorded_at) VALUES ('regions-declared', 'person', '${classes}', 'run-regions', now())`);
      await expect(exportIndex(declared.index.connection, STEWARD, { out: path.join(declared.dir, 'export-region-2'), policy: DEFAULT_EXPORT_POLICY, partitionBy: 'region', views: ['persons'] }))
        .rejects.toMatchObject({ code: 'export_partition_refused' });
      await declared.index.connection.run(`DELETE FROM event_classes WHERE pipeline = 'regions-declared'`);
    });
  });
});
