/**
 * Issue 8: one bad pipeline file must not stop the others. `run NAME` runs a valid pipeline
 * whatever its neighbours hold; `run --all` runs every valid one, names every invalid file
 * (file:line: field) and exits 2; two files with one pipeline name are both refused.
 */
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPipelineFolder } from '../../src/config/load-pipelines.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

const SAMPLE = ['accounting-staff', 'bookkeeping-agencies', 'continuing-education', 'licences-organisations', 'licences-persons', 'procurement-suppliers', 'subsidy-payments'];
const TWIN = [
  'name: twin',
  'system: 社会保险系统',
  'entity: person',
  'connector: { kind: csv, path: ../data/sample/subsidy-payments.csv }',
  'mapping: { id_number: 身份证号 }',
  'source_key: [身份证号]',
].join('\n') + '\n';

describe('a folder with invalid pipeline files', () => {
  let ws: Workspace;
  let db: string;
  beforeAll(async () => {
    ws = await createWorkspace();
    await cp(path.join(REPO, 'pipelines'), path.join(ws.dir, 'pipelines'), { recursive: true });
    await generateSample({ outDir: path.join(ws.dir, 'data/sample'), seed: 2 });
    const bad = (name: string, text: string) => writeFile(path.join(ws.dir, 'pipelines', name), text);
    await bad('broken-syntax.yaml', 'system: [unclosed\nentity: person\n');
    await bad('bad-fields.yml', ['system: 税务系统', 'entity: taxpayer', 'connector: { kind: csv, path: x.csv, encoding: big5 }', 'mapping: { id_number: 身份证号 }', 'source_key: [身份证号]', 'priority: high'].join('\n') + '\n');
    await bad('twin-a.yaml', TWIN);
    await bad('twin-b.yaml', TWIN);
    db = path.join(ws.dir, 'cli.duckdb');
  }, 120_000);
  afterAll(async () => ws.dispose());

  const problems = [
    'onecode: pipelines/bad-fields.yml:2: entity: Invalid option: expected one of "person"|"legal_person"|"record"|"licence"',
    'onecode: pipelines/bad-fields.yml:3: connector.encoding: Invalid option: expected one of "utf-8"|"gbk"|"gb18030"',
    'onecode: pipelines/bad-fields.yml:6: priority: Invalid input: expected number, received string',
    'onecode: pipelines/broken-syntax.yaml:2: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    'onecode: pipelines/twin-a.yaml:1: name: pipeline name \'twin\' is also used by pipelines/twin-b.yaml: neither file is used until one is renamed',
    'onecode: pipelines/twin-b.yaml:1: name: pipeline name \'twin\' is also used by pipelines/twin-a.yaml: neither file is used until one is renamed',
  ];

  it('readPipelineFolder returns the valid pipelines and every invalid file with its problems', async () => {
    const folder = await readPipelineFolder(path.join(ws.dir, 'pipelines'));
    expect(folder.pipelines.map((p) => p.name)).toEqual(SAMPLE);
    expect(folder.invalid.map((f) => [path.basename(f.file), f.name, f.problems.length])).toEqual([
      ['bad-fields.yml', 'bad-fields', 3], ['broken-syntax.yaml', 'broken-syntax', 1], ['twin-a.yaml', 'twin', 1], ['twin-b.yaml', 'twin', 1],
    ]);
  });

  it('run NAME runs a valid pipeline whatever its neighbours hold', async () => {
    const r = await onecode(['run', 'subsidy-payments', '--db', db], { cwd: ws.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/│ subsidy-payments +│ succeeded │ 3030 /);
    expect(r.stdout).not.toContain('invalid');
  });

  it('run --all runs every valid pipeline, names every invalid file and line, and exits 2', async () => {
    const r = await onecode(['run', '--all', '--db', db], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual(problems);
    for (const name of SAMPLE) expect(r.stdout).toMatch(new RegExp(`│ ${name} +│ succeeded │`));
    expect(r.stdout).toMatch(/counts add up/);
    expect(r.stdout).toContain('4 pipeline file(s) invalid, not run: pipelines/bad-fields.yml, pipelines/broken-syntax.yaml, pipelines/twin-a.yaml, pipelines/twin-b.yaml (the problems are on stderr)\n');
  });

  it('a named pipeline whose file is invalid, or that two files declare, is refused with exit 2; the other names run', async () => {
    const twin = await onecode(['run', 'twin', '--db', db], { cwd: ws.dir });
    expect(twin).toMatchObject({ code: 2, stdout: '' });
    expect(twin.stderr.split('\n').filter(Boolean)).toEqual(problems.slice(4));

    const both = await onecode(['run', 'broken-syntax', 'bookkeeping-agencies', '--db', db], { cwd: ws.dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(`${problems[3]}\n`);
    expect(both.stdout).toMatch(/│ bookkeeping-agencies(?: \(unchanged since r\d+, nothing to do\))? +│ succeeded │/);
    expect(both.stdout).toContain('1 pipeline file(s) invalid, not run: pipelines/broken-syntax.yaml');

    const unknown = await onecode(['run', 'nope', '--db', db], { cwd: ws.dir });
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe(`onecode: no pipeline named nope in pipelines/ (have: ${SAMPLE.join(', ')}; 4 invalid file(s): pipelines/bad-fields.yml, pipelines/broken-syntax.yaml, pipelines/twin-a.yaml, pipelines/twin-b.yaml)\n`);
  });
});
