/**
 * `onecode export --format parquet` (issue 12) on the indexed sample, run as a user runs it
 * (bin/onecode.js in a process of its own), read back with DuckDB: every analyst view's rows, per
 * view, equal the index's; the manifest's files exist with their row counts and SM3 digests;
 * `--partition-by region` files each row under the city of its one code; personal values leave as
 * the policy says (masked by default, pseudonymised with a key and joinable, dropped, or clear);
 * an earlier export is replaced only with --overwrite, a folder that is not an export never; every
 * export is in access_log.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYST_VIEW_NAMES } from '../../src/access/analyst-views.ts';
import type { ExportManifest } from '../../src/export/export-index.ts';
import { DuckDBInstance } from '../../src/index/duckdb-api.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { pseudonymise } from '../../src/protect/pseudonymise.ts';
import { onecode } from '../support/cli.ts';
import { indexedSample, richPerson } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

let ws: Workspace;
let db: string;
let person: { id: string; alias15: string; uscc: string };
let personName: string;
/** Each analyst view's row count in the index. */
const counts = new Map<string, number>();
/** Every person's ID number in the index. */
let personIds: Set<string>;
/** The persons view in clear, one line per row. */
let personsInClear: string[];
/** Every legal person's USCC in the index. */
let usccs: Set<string>;
/** The one codes the persons view shows: ID numbers and employers' USCCs. */
let personsViewCodes: number;
let reader: DuckDBConnection;

const rowsOf = async (sql: string): Promise<Record<string, unknown>[]> => (await reader.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
const readView = (dir: string, view: string) => `read_parquet('${dir}/${view}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)`;
const manifestOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as ExportManifest;

beforeAll(async () => {
  ws = await indexedSample(2);
  person = await richPerson(ws);
  personName = String((await ws.rows(`SELECT name FROM persons WHERE id_number = '${person.id}'`))[0]!.name);
  for (const view of ANALYST_VIEW_NAMES) counts.set(view, Number((await ws.rows(`SELECT count(*) AS n FROM ${view}`))[0]!.n));
  personIds = new Set((await ws.rows('SELECT id_number FROM persons')).map((r) => String(r.id_number)));
  usccs = new Set((await ws.rows('SELECT uscc FROM legal_persons')).map((r) => String(r.uscc)));
  personsInClear = (await ws.rows(`SELECT concat_ws('|', id_number, name, birth_date, phone) AS line FROM persons ORDER BY id_number`)).map((r) => String(r.line));
  personsViewCodes = Number((await ws.rows(`SELECT count(DISTINCT c) AS n FROM (SELECT id_number AS c FROM persons UNION ALL SELECT employer_uscc FROM persons)`))[0]!.n);
  db = path.join(ws.dir, 'index.duckdb');
  // the CLI opens the index in its own process: this one lets it go
  await ws.index.connection.run('CHECKPOINT');
  ws.index.close();
  ws.index.close = () => undefined;
  reader = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  reader?.closeSync();
  await ws.dispose();
});

describe('onecode export --format parquet', () => {
  it('writes every analyst view, row counts equal to the index per view, partitioned by region, personal values masked by default', async () => {
    const ran = await onecode(['export', '--format', 'parquet', '--partition-by', 'region', '--db', db]);
    expect(ran.code, ran.stderr).toBe(0);
    const out = path.join(ws.dir, 'export');
    expect(JSON.parse(ran.stdout)).toMatchObject({ out, policy: 'public=clear,internal=clear,personal=mask', partition_by: 'region' });
    const manifest = await manifestOf(out);
    expect(manifest).toMatchObject({ format: 'onecode.export.v1', file_format: 'parquet', policy: 'public=clear,internal=clear,personal=mask', partition_by: 'region' });
    expect(manifest.views.map((v) => v.view).sort()).toEqual([...ANALYST_VIEW_NAMES].sort());

    for (const v of manifest.views) {
      // the rows read back equal the view's in the index, the manifest's count and its files' sum
      const [read] = await rowsOf(`SELECT count(*)::INTEGER AS n FROM ${readView(out, v.view)}`);
      expect({ view: v.view, rows: read!.n }).toEqual({ view: v.view, rows: counts.get(v.view) });
      expect(v.rows).toBe(counts.get(v.view));
      expect(v.files.reduce((n, f) => n + f.rows, 0)).toBe(v.rows);
      for (const f of v.files) {
        const bytes = await readFile(path.join(out, f.path));
        expect(bytes.length).toBe(f.bytes);
        expect(createHash('sm3').update(bytes).digest('hex')).toBe(f.sm3);
        const [footer] = await rowsOf(`SELECT num_rows::INTEGER AS n FROM parquet_file_metadata('${path.join(out, f.path)}')`);
        expect(footer!.n).toBe(f.rows);
      }
    }

    // one folder per city of the one code; the views without one code are written whole
    const byView = Object.fromEntries(manifest.views.map((v) => [v.view, v]));
    for (const view of ['persons', 'legal_persons', 'records', 'aliases', 'conflicts', 'lineage', 'relations', 'licences']) {
      expect(byView[view]!.partition_by).toBe('region');
      const folders = await readdir(path.join(out, view));
      expect(folders.length).toBeGreaterThan(1);
      expect(folders.every((f) => /^region=(\d{4}|__HIVE_DEFAULT_PARTITION__)$/.test(f))).toBe(true);
    }
    for (const view of ['runs', 'quarantine', 'quarantine_history', 'schema_changes', 'source_states', 'changes']) {
      expect(byView[view]!.partition_by).toBeNull();
      expect(await readdir(path.join(out, view))).toEqual(['data_0.parquet']);
    }
    const misfiled = await rowsOf(`
      SELECT 'persons' AS view, count(*)::INTEGER AS n FROM ${readView(out, 'persons')} WHERE region IS DISTINCT FROM substr(region_code, 1, 4)
      UNION ALL SELECT 'legal_persons', count(*)::INTEGER FROM ${readView(out, 'legal_persons')} WHERE region IS DISTINCT FROM substr(uscc, 3, 4)`);
    expect(misfiled).toEqual([{ view: 'persons', n: 0 }, { view: 'legal_persons', n: 0 }]);
    // every other view about one code, by the rule written out here: a USCC's positions 3-6, an ID
    // number's 1-4 (a masked one keeps its first 6), a foreigner's (leading 9) province + 00; no code, no region
    const ruled = (code: string, legal: string) =>
      `CASE WHEN ${code} IS NULL THEN NULL WHEN coalesce(${legal}, false) THEN substr(${code}, 3, 4) WHEN substr(${code}, 1, 1) = '9' THEN substr(${code}, 2, 2) || '00' ELSE substr(${code}, 1, 4) END`;
    const others: Array<[string, string, string]> = [
      // a business record or a licence is about a legal person when its code is one
      ['records', 'one_code', `entity = 'legal_person' OR (entity IN ('record', 'licence') AND code_kind IN ('uscc', 'org_code', 'business_reg_no'))`],
      ['aliases', 'code', `alias_kind IN ('org_code', 'business_reg_no')`],
      ['conflicts', 'code', `entity = 'legal_person'`],
      ['lineage', 'code', `entity = 'legal_person'`],
      ['relations', 'from_code', `from_entity = 'legal_person'`],
      ['licences', 'holder_code', `holder_kind = 'legal_person'`],
    ];
    for (const [view, code, legal] of others) {
      const [found] = await rowsOf(`SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE region IS DISTINCT FROM ${ruled(code, legal)})::INTEGER AS misfiled,
        count(*) FILTER (WHERE coalesce(${legal}, false))::INTEGER AS legal FROM ${readView(out, view)}`);
      expect({ view, misfiled: found!.misfiled }).toEqual({ view, misfiled: 0 });
      expect(found!.rows).toBe(counts.get(view));
      if (view !== 'conflicts') expect(found!.legal, view).toBeGreaterThan(0);
    }
    // the licences view: a person's holder code, licence identifier and number are personal (masked), an organisation's public or internal
    const licenceColumns = Object.fromEntries(byView.licences!.columns.map((c) => [c.name, [...c.classes].sort()]));
    expect(licenceColumns).toMatchObject({
      holder_code: ['personal', 'public'], name: ['personal', 'public'], licence_identifier: ['internal', 'personal'], licence_number: ['internal', 'personal'],
      valid_to: ['internal'], licence_state: ['internal'], identifier_status: ['metadata'], pipeline: ['metadata'],
    });
    const personLicences = await rowsOf(`SELECT holder_code, licence_number, licence_state FROM ${readView(out, 'licences')} WHERE holder_kind = 'person'`);
    expect(personLicences.length).toBeGreaterThan(0);
    expect(personLicences.every((l) => /^\d{6}\*{11}[\dX]$/.test(String(l.holder_code)) && /^\*+$/.test(String(l.licence_number)))).toBe(true);
    expect(new Set(personLicences.map((l) => l.licence_state))).toContain('expired');
    const regions = await rowsOf(`SELECT count(DISTINCT region)::INTEGER AS n FROM ${readView(out, 'persons')}`);
    expect(regions[0]!.n).toBeGreaterThan(1);

    // masked as an analyst sees them: the region code and check character of an ID number, a surname
    const persons = await rowsOf(`SELECT id_number, name, phone, birth_date FROM ${readView(out, 'persons')}`);
    expect(persons.every((p) => /^\d{6}\*{11}[\dX]$/.test(String(p.id_number)))).toBe(true);
    expect(persons.some((p) => p.id_number === `${person.id.slice(0, 6)}${'*'.repeat(11)}${person.id[17]}`)).toBe(true);
    expect(persons.some((p) => p.name === personName)).toBe(false);
    expect(persons.filter((p) => p.birth_date !== null).every((p) => /^\d{4}-\*\*-\*\*$/.test(String(p.birth_date)))).toBe(true);
    // no person's ID number in clear anywhere in the export, in any view or column
    for (const v of manifest.views) {
      const texts = await rowsOf(`SELECT to_json(t)::VARCHAR AS row FROM ${readView(out, v.view)} t`);
      const found = texts.flatMap((r) => [...String(r.row).matchAll(/\d{17}[\dX]/g)].map((m) => m[0]).filter((code) => personIds.has(code)));
      expect({ view: v.view, found }).toEqual({ view: v.view, found: [] });
    }
    // left out, as for analysts: the source row, quarantined text, events, saved state
    expect(byView.records!.left_out).toEqual(['payload']);
    expect(byView.quarantine!.left_out).toEqual(['raw', 'raw_sm3']);
    expect(byView.changes!.left_out).toEqual(['event']);
    // a legal person's USCC and name are public: in clear
    const legal = await rowsOf(`SELECT uscc FROM ${readView(out, 'legal_persons')} WHERE uscc = '${person.uscc}'`);
    expect(legal).toHaveLength(1);
  });

  it('pseudonymises with a key: the same pseudonym in every view, so the views still join', async () => {
    const keyFile = path.join(ws.dir, 'pseudonym.key');
    await writeFile(keyFile, 'b2'.repeat(32) + '\n', { mode: 0o600 });
    const out = path.join(ws.dir, 'pseudonymised');
    const noKey = await onecode(['export', '--policy', 'personal=pseudonymise', '--out', out, '--db', db], { env: { ONECODE_PSEUDONYM_KEY_FILE: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^onecode: the pseudonymise policy needs a key: set ONECODE_PSEUDONYM_KEY_FILE/);
    const ran = await onecode(['export', '--policy', 'personal=pseudonymise', '--views', 'persons,records,relations', '--out', out, '--db', db], { env: { ONECODE_PSEUDONYM_KEY_FILE: keyFile } });
    expect(ran.code, ran.stderr).toBe(0);
    const p = pseudonymise(person.id, Buffer.from('b2'.repeat(32), 'hex'));
    expect(await rowsOf(`SELECT count(*)::INTEGER AS n FROM ${readView(out, 'persons')} WHERE id_number = '${p}'`)).toEqual([{ n: 1 }]);
    const [records] = await rowsOf(`SELECT count(*)::INTEGER AS n FROM ${readView(out, 'records')} WHERE one_code = '${p}'`);
    expect(records!.n).toBeGreaterThanOrEqual(1);
    const [relations] = await rowsOf(`SELECT count(*)::INTEGER AS n FROM ${readView(out, 'relations')} WHERE from_code = '${p}' OR to_code = '${p}'`);
    expect(relations!.n).toBeGreaterThanOrEqual(2); // employer and legal representative
    // without --partition-by: one file per view
    expect((await manifestOf(out)).views.map((v) => v.files.map((f) => f.path))).toEqual([['persons/data_0.parquet'], ['records/data_0.parquet'], ['relations/data_0.parquet']]);
  });

  it('drops personal columns with personal=drop; writes them as the index holds them with personal=clear', async () => {
    const dropped = path.join(ws.dir, 'dropped');
    const ran = await onecode(['export', '--policy', 'personal=drop', '--views', 'persons', '--out', dropped, '--db', db]);
    expect(ran.code, ran.stderr).toBe(0);
    const [view] = (await manifestOf(dropped)).views;
    expect(view!.left_out).toEqual(['id_number', 'name', 'birth_date', 'phone']);
    expect((await reader.runAndReadAll(`SELECT * FROM ${readView(dropped, 'persons')} LIMIT 1`)).columnNames()).toEqual(['sex', 'region_code', 'employer_name', 'employer_uscc', 'changed_run_id']);

    const clear = path.join(ws.dir, 'clear');
    const inClear = await onecode(['export', '--policy', 'personal=clear', '--views', 'persons', '--out', clear, '--db', db]);
    expect(inClear.code, inClear.stderr).toBe(0);
    const lines = (await rowsOf(`SELECT concat_ws('|', id_number, name, birth_date, phone) AS line FROM ${readView(clear, 'persons')} ORDER BY id_number`)).map((r) => String(r.line));
    expect(lines).toEqual(personsInClear);
  });

  it('applies each class its own policy in every column: a change\'s USCC follows public, texts that may quote any class are clear only when every class is', async () => {
    // public=drop: the USCCs go from every column, the changes' codes included; persons' codes stay masked
    const noPublic = path.join(ws.dir, 'no-public');
    const ran = await onecode(['export', '--policy', 'public=drop', '--views', 'legal_persons,changes', '--out', noPublic, '--db', db]);
    expect(ran.code, ran.stderr).toBe(0);
    expect((await manifestOf(noPublic)).views[0]!.left_out).toContain('uscc');
    const changes = await rowsOf(`SELECT entity, code FROM ${readView(noPublic, 'changes')}`);
    expect(changes.filter((c) => c.entity === 'legal_person').length).toBeGreaterThan(0);
    expect(changes.filter((c) => usccs.has(String(c.code)))).toEqual([]);
    expect(changes.filter((c) => c.entity === 'legal_person').every((c) => c.code === null)).toBe(true);
    expect(changes.filter((c) => c.entity === 'person').every((c) => /^\d{6}\*{11}[\dX]$/.test(String(c.code)))).toBe(true);

    // personal=clear but internal=mask: the texts holding internal values (an employer's name in a
    // payload or an event) are left out, flags lose their messages, a legal person's source key is masked
    const internalMasked = path.join(ws.dir, 'internal-masked');
    const masked = await onecode(['export', '--policy', 'personal=clear,internal=mask', '--views', 'records,changes,quarantine,lineage', '--out', internalMasked, '--db', db]);
    expect(masked.code, masked.stderr).toBe(0);
    const byView = Object.fromEntries((await manifestOf(internalMasked)).views.map((v) => [v.view, v]));
    expect(byView.records!.left_out).toEqual(['payload']);
    expect(byView.changes!.left_out).toEqual(['event']);
    expect(byView.quarantine!.left_out).toEqual(['raw', 'raw_sm3']);
    const flags = await rowsOf(`SELECT CAST(flags AS VARCHAR) AS flags FROM ${readView(internalMasked, 'records')} WHERE flags IS NOT NULL`);
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => String(f.flags).includes('"message"'))).toEqual([]);
    const legalKeys = await rowsOf(`SELECT source_key FROM ${readView(internalMasked, 'records')} WHERE entity = 'legal_person'`);
    expect(legalKeys.length).toBeGreaterThan(0);
    expect(legalKeys.every((r) => /^\*+$/.test(String(r.source_key)))).toBe(true);
    // the manifest pairs each class with what was done to it
    const columns = Object.fromEntries(byView.lineage!.columns.map((c) => [c.name, c]));
    const pairs = (name: string) => columns[name]!.classes.map((c, i) => `${c}=${columns[name]!.treatment[i]}`).sort();
    expect(pairs('value')).toEqual(['internal=mask', 'metadata=clear', 'personal=clear', 'public=clear']);
    expect(pairs('source_key')).toEqual(['internal=mask', 'personal=clear']);
    for (const v of Object.values(byView)) for (const c of v.columns) expect({ column: `${v.view}.${c.name}`, n: c.treatment.length }).toEqual({ column: `${v.view}.${c.name}`, n: c.classes.length });
  });

  it('replaces an earlier export only with --overwrite, never a folder that is not one, leaves nothing when DuckDB fails, and refuses region partitions the policy would leak', async () => {
    const out = path.join(ws.dir, 'again');
    // beside it: what a crashed export left (its process is gone), and a folder someone made
    await mkdir(path.join(ws.dir, 'again.partial-999999999-0123abcd'));
    await mkdir(path.join(ws.dir, 'again.partial-notes'));
    await writeFile(path.join(ws.dir, 'again.partial-notes', 'keep.txt'), 'not an export\n');
    const first = await onecode(['export', '--views', 'runs', '--out', out, '--db', db]);
    expect(first.code, first.stderr).toBe(0);
    const before = (await manifestOf(out)).exported_at;
    const refused = await onecode(['export', '--views', 'runs', '--out', out, '--db', db]);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe(`onecode: ${out}: holds an earlier export; pass --overwrite to replace it, or choose another --out\n`);
    const replaced = await onecode(['export', '--views', 'runs,persons', '--out', out, '--overwrite', '--db', db]);
    expect(replaced.code, replaced.stderr).toBe(0);
    const after = await manifestOf(out);
    expect(after.exported_at).not.toBe(before);
    expect(after.views.map((v) => v.view)).toEqual(['runs', 'persons']);
    // nothing left beside it: no partial or replaced folder; the folder someone made untouched
    expect((await readdir(ws.dir)).filter((f) => f.startsWith('again.'))).toEqual(['again.partial-notes']);
    expect(await readdir(path.join(ws.dir, 'again.partial-notes'))).toEqual(['keep.txt']);

    const pipelines = path.join(ws.dir, 'pipelines');
    const files = await readdir(pipelines);
    const notExport = await onecode(['export', '--out', pipelines, '--overwrite', '--db', db]);
    expect(notExport.code).toBe(2);
    expect(notExport.stderr).toMatch(/is not an onecode export/);
    expect(await readdir(pipelines)).toEqual(files);

    const leak = await onecode(['export', '--partition-by', 'region', '--policy', 'internal=mask', '--out', path.join(ws.dir, 'leak'), '--db', db]);
    expect(leak.code).toBe(2);
    expect(leak.stderr).toMatch(/^onecode: --partition-by region writes each row's region in folder names, in clear/);
    expect(await stat(path.join(ws.dir, 'leak')).catch(() => undefined)).toBeUndefined();
    // DuckDB failing part-way (out of memory under a tiny limit): exit 1 naming what to set, nothing at --out, no partial folder
    const failing = path.join(ws.dir, 'failing');
    const failed = await onecode(['export', '--out', failing, '--db', db], { env: { ONECODE_MEMORY_LIMIT: '8MB' } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^onecode: export failed .*: DuckDB ran out of memory under its limit \(ONECODE_MEMORY_LIMIT, default 384MB\); set ONECODE_MEMORY_LIMIT=1GB or more/);
    expect((await readdir(ws.dir)).filter((f) => f.startsWith('failing'))).toEqual([]);
    const bad = await onecode(['export', '--policy', 'personal=blur', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^onecode: --policy: 'blur' is not a policy/);
  });

  it('records every export in access_log, as the CLI user, with what was exported and the codes shown in clear', async () => {
    const index = await openIndex(db, { readOnly: true });
    try {
      const rows = (await index.connection.runAndReadAll(`
        SELECT who, role, channel, query, row_count::INTEGER AS row_count, policy, outcome, codes_total::INTEGER AS codes_total, list_contains(codes, '${person.uscc}') AS uscc_shown
        FROM access_log WHERE action = 'export' ORDER BY access_no`)).getRowObjectsJson() as Record<string, unknown>[];
      // eight exports above succeeded; the refused ones never reached the index, and the one that ran
      // out of memory is recorded as failed when DuckDB had the memory left to record it
      expect(rows.filter((r) => r.outcome === 'ok')).toHaveLength(8);
      expect(rows.filter((r) => r.outcome !== 'ok').every((r) => r.outcome === 'failed' && r.row_count === 0)).toBe(true);
      expect(rows.length).toBeLessThanOrEqual(9);
      const first = rows[0]!;
      expect(first).toMatchObject({ who: `cli:${os.userInfo().username}`, role: 'steward', channel: 'cli', policy: 'mask', uscc_shown: true });
      expect(first.query).toMatch(/^export parquet to .*\/export; views persons,.*; partition_by region; policy public=clear,internal=clear,personal=mask$/);
      expect(first.row_count).toBe([...counts.values()].reduce((a, b) => a + b, 0));
      expect(first.codes_total).toBeGreaterThanOrEqual(counts.get('legal_persons')!);
      // in clear, every code of the persons view was shown: ID numbers and employers' USCCs
      const clear = rows.find((r) => String(r.query).includes('personal=clear'))!;
      expect(clear.codes_total).toBe(personsViewCodes);
    } finally {
      index.close();
    }
  });
});
