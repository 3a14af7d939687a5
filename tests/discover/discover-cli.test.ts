/**
 * `onecode discover` as a user runs it (bin/onecode.js): a new source named by connector
 * options, an existing pipeline's source, and usage errors as one `onecode: ` line, exit 2.
 */
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { onecode } from '../support/cli.ts';
import { REPO } from '../support/workspace.ts';
import { createProject, type Project } from './discover-files.ts';

let project: Project;
beforeAll(async () => {
  project = await createProject();
  await generateSample({ outDir: path.join(project.data, 'sample') });
  for (const name of ['accounting-staff', 'subsidy-payments']) await cp(path.join(REPO, 'pipelines', `${name}.yaml`), path.join(project.pipelines, `${name}.yaml`));
});
afterAll(async () => project.dispose());

const run = (args: string[]) => onecode(['discover', ...args, '--run-date', '2026-01-01'], { cwd: project.dir });

describe('onecode discover', () => {
  it('--connector csv --option ...: prints a proposal that loads, with the bundled mapping', async () => {
    const r = await run(['--connector', 'csv', '--option', 'path=data/sample/accounting-staff.gbk.csv', '--option', 'encoding=gbk', '--option', 'max_line_bytes=100000', '--system', '会计人员管理系统']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Proposed by onecode discover from the first 200 row\(s\) of accounting-staff\.gbk\.csv \(connector csv\)\.\n# Save as pipelines\/accounting-staff\.yaml and review every line; /);
    await writeFile(path.join(project.pipelines, 'proposed.yaml'), r.stdout);
    const proposed = await loadPipeline(path.join(project.pipelines, 'proposed.yaml'));
    // the only places to fill are the catalogue entry's: its 10 keys and one code per data item
    expect(r.stdout).toContain(`review every line; replace the ${10 + Object.keys(proposed.mapping).length} place(s) marked TODO.\n`);
    const bundled = await loadPipeline(path.join(project.pipelines, 'accounting-staff.yaml'));
    expect(proposed.mapping).toEqual(bundled.mapping);
    expect(proposed.connector).toEqual({ ...bundled.connector, max_line_bytes: 100000 });
    expect(r.stdout).toContain('  max_line_bytes: 100000\n'); // a number, as the schema wants
  });

  it('proposes a catalogue entry whose data items are the mapped fields: check on the fresh proposal lists only the placeholders to fill, then none', async () => {
    const r = await run(['--connector', 'csv', '--option', 'path=data/sample/subsidy-payments.csv', '--system', '惠民惠农补贴发放系统']);
    expect(r.code, r.stderr).toBe(0);
    await writeFile(path.join(project.pipelines, 'proposed-subsidy.yaml'), r.stdout);
    const proposed = await loadPipeline(path.join(project.pipelines, 'proposed-subsidy.yaml'));
    expect(proposed.catalogue!.data_items.map((i) => [i.field, i.name, i.code])).toEqual(Object.entries(proposed.mapping).map(([field, column]) => [field, column, 'TODO']));
    expect(proposed.catalogue).toMatchObject({ resource_code: 'TODO', provider_code: 'TODO', sharing: { type: 'conditional' }, open: 'not_open', update_cycle: 'irregular' });
    const db = path.join(project.dir, 'check.duckdb');
    const check = (name: string) => onecode(['check', name, '--json', '--db', db, '--run-date', '2026-01-01'], { cwd: project.dir });
    const fresh = await check('proposed-subsidy');
    expect(fresh.code).toBe(1);
    const report = JSON.parse(fresh.stdout) as { status: string; catalogue: Array<{ code: string; key?: string; line: number; message: string }> };
    expect(report.status).toBe('succeeded');
    expect(report.catalogue.map((f) => [f.code, f.key])).toEqual([
      ...['resource_name', 'resource_code', 'provider', 'provider_code', 'classification', 'abstract', 'format', 'sharing.conditions', 'sharing.method', 'publish_date']
        .map((k) => ['catalogue_todo', `catalogue.${k}`]),
      ['catalogue_todo', 'catalogue.data_items[].code'],
    ]);
    const lines = r.stdout.split('\n');
    const codeFinding = report.catalogue.find((f) => f.key === 'catalogue.resource_code')!;
    expect(lines[codeFinding.line - 1]).toMatch(/^  resource_code: TODO # write the resource code the catalogue office assigned/);
    expect(report.catalogue.at(-1)!.message).toBe(`the code of ${proposed.catalogue!.data_items.length} data item(s) is TODO (fields ${Object.keys(proposed.mapping).join(', ')}): write each item's code (数据元标识符 of the data element list, or the provider's own, e.g. DE00001)`);
    // filled in as a data office would: check agrees
    let item = 0;
    const filled = r.stdout
      .replace(/^  resource_code: TODO.*$/m, '  resource_code: 201003001/000012').replace(/^  provider_code: TODO.*$/m, "  provider_code: '113500007485260534'")
      .replace(/^  publish_date: TODO.*$/m, '  publish_date: 2026-03-01').replace(/code: TODO/g, () => `code: DE${String(++item).padStart(5, '0')}`)
      .replace(/^(\s+\w+): TODO.*$/gm, '$1: 已填写');
    await writeFile(path.join(project.pipelines, 'proposed-subsidy.yaml'), filled);
    const done = await check('proposed-subsidy');
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect((JSON.parse(done.stdout) as { catalogue: unknown[] }).catalogue).toEqual([]);
  });

  it('--rows N samples N rows', async () => {
    const r = await run(['--connector', 'csv', '--option', 'path=data/sample/subsidy-payments.csv', '--rows', '7']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('from the first 7 row(s) of subsidy-payments.csv');
    expect(r.stdout).toContain('# 身份证号 | - | id_number, personal | header 身份证号; 7/7 filled');
    expect(r.stdout).toContain("system: TODO # TODO: the departmental system's name");
  });

  it('PIPELINE: reads the pipeline\'s source and compares', async () => {
    const r = await run(['subsidy-payments']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# Where this differs from pipelines/subsidy-payments.yaml:\n');
    expect(r.stdout).toContain('#   classification.银行账号: the file has personal, proposed secret\n');
    expect(r.stdout).toContain('#   classification.发放金额: the file has internal, proposed -\n');
    expect(r.stdout).toContain('system: 惠民惠农补贴发放系统\n');
    // its catalogue entry is kept as written, once: no skeleton beside it
    expect(r.stdout.match(/^catalogue:/gm)).toHaveLength(1);
    expect(r.stdout).not.toMatch(/resource_code: TODO/);
  });

  it.each([
    [[], /^onecode: name a pipeline \(onecode discover NAME\) or a connector/],
    [['accounting-staff', '--connector', 'csv'], /^onecode: name a pipeline .* not both/],
    [['nosuch'], /^onecode: no pipeline named nosuch in /],
    [['--connector', 'excel'], /^onecode: 'excel' is no connector kind \(have: csv, ndjson/],
    [['--connector', 'csv', '--option', 'path'], /^onecode: --option takes key=value/],
    [['--connector', 'csv', '--option', 'path=data/sample/subsidy-payments.csv', '--option', 'encoding=latin9'], /^onecode: connector csv: --option encoding: /],
    [['--connector', 'csv', '--option', 'path=data/sample/subsidy-payments.csv', '--rows', '0'], /^onecode: --rows must be a whole number of rows, at least 1\n$/],
    [['--connector', 'csv', '--option', 'path=/etc/passwd'], /^onecode: .*connector\.path: \/etc\/passwd is outside the folders a pipeline may read/],
  ])('%j is a usage or configuration error (exit 2, one line)', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('latin9');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a missing file fails the read (exit 1), naming the file', async () => {
    const r = await run(['--connector', 'csv', '--option', 'path=data/none.csv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^onecode: .*data\/none\.csv: file not found/);
  });
});
