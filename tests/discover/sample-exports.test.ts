/**
 * `onecode discover` on the sample exports (`onecode sample`, src/sample/generate.ts): each bundled
 * pipeline's entity, mapping, source key and mode are recovered from its export alone, the
 * proposal loads as a pipeline, and no value of the export appears in it.
 */
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { discover } from '../../src/discover/discover-command.ts';
import { createLogger } from '../../src/logger.ts';
import { generateSample } from '../../src/sample/generate.ts';
import type { SampleManifest } from '../../src/sample/manifest.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { fileOf, readCsv, readNdjson } from '../sample/read-sample.ts';
import { REPO } from '../support/workspace.ts';
import { createProject, type Project } from './discover-files.ts';

/**
 * Where a proposal legitimately differs from a bundled pipeline, and why. Only classification
 * differs: discover classifies birth dates personal (the bundled accounting pipeline leaves them
 * unclassified) and proposes bank account numbers secret (the bundled subsidy pipeline keeps them
 * personal in the payload): src/discover/guess-mapping.ts, classOf. Columns a bundled pipeline
 * declares `internal` (the business data its feed carries under a policy, since an unclassified
 * column is personal) are left unclassified by discover, which cannot know them not personal.
 */
const EXPECTED_CLASSIFICATION_CHANGES: Record<string, Record<string, string>> = {
  'accounting-staff': { 出生日期: 'personal' },
  'bookkeeping-agencies': {},
  'procurement-suppliers': {},
  'subsidy-payments': { 银行账号: 'secret' },
};

/** How each bundled pipeline's export is named on the command line, as a user would. */
const CONNECTOR_OPTIONS: Record<string, string[]> = {
  'accounting-staff': ['path=data/sample/accounting-staff.gbk.csv', 'encoding=gbk'],
  'bookkeeping-agencies': ['path=data/sample/bookkeeping-agencies.csv'],
  'procurement-suppliers': ['path=data/sample/procurement-suppliers.ndjson'],
  'subsidy-payments': ['path=data/sample/subsidy-payments.csv'],
};

let project: Project;
let manifest: SampleManifest;
const bundled = new Map<string, Pipeline>();
beforeAll(async () => {
  project = await createProject();
  manifest = await generateSample({ outDir: path.join(project.data, 'sample') });
  for (const name of Object.keys(CONNECTOR_OPTIONS)) {
    // The bundled file, beside the proposals' folder, reading the same generated export.
    await cp(path.join(REPO, 'pipelines', `${name}.yaml`), path.join(project.dir, 'pipelines', `bundled-${name}.yaml`));
    bundled.set(name, await loadPipeline(path.join(project.pipelines, `bundled-${name}.yaml`)));
  }
});
afterAll(async () => project.dispose());

async function propose(name: string): Promise<string> {
  const kind = CONNECTOR_OPTIONS[name]![0]!.endsWith('.ndjson') ? 'ndjson' : 'csv';
  const found = await discover({
    connector: kind, options: CONNECTOR_OPTIONS[name], system: bundled.get(name)!.system, name,
    pipelines: 'pipelines', cwd: project.dir, logger: createLogger({ level: 'silent' }), runDate: '2026-01-01',
  });
  expect(found.notes).toEqual([]);
  return found.yaml;
}

describe.each(Object.keys(CONNECTOR_OPTIONS))('the %s export', (name) => {
  it('gives back the bundled pipeline: entity, mapping, source key, mode, connector; classification as documented', async () => {
    const yaml = await propose(name);
    const proposed = await project.load(name, yaml);
    const file = bundled.get(name)!;
    expect(proposed.entity).toBe(file.entity);
    expect(proposed.mapping).toEqual(file.mapping);
    expect(proposed.source_key).toEqual(file.source_key);
    expect(proposed.mode).toBe(file.mode);
    expect(proposed.connector).toEqual(file.connector);
    expect(proposed.system).toBe(file.system);
    const declared = Object.fromEntries(Object.entries(file.classification).filter(([, cls]) => cls !== 'internal'));
    expect(proposed.classification).toEqual({ ...declared, ...EXPECTED_CLASSIFICATION_CHANGES[name] });
    // the only places left TODO are in the catalogue entry (what only the data office knows: its codes, names, dates),
    // whose data items are the bundled entry's
    const beforeCatalogue = yaml.slice(0, yaml.indexOf('\ncatalogue:')).split('\n').filter((l) => !l.startsWith('#'));
    expect(beforeCatalogue.length).toBeGreaterThan(5);
    expect(beforeCatalogue.join('\n')).not.toContain('TODO');
    expect(yaml).toContain(`replace the ${10 + Object.keys(file.mapping).length} place(s) marked TODO`);
    expect(proposed.catalogue!.data_items.map((i) => i.field).sort()).toEqual(file.catalogue!.data_items.map((i) => i.field).sort());
  });

  it('quotes no value of the export', async () => {
    const yaml = await propose(name);
    const values = await exportValues(name);
    expect(values.size).toBeGreaterThan(100);
    const leaked = [...values].filter((v) => yaml.includes(v));
    expect(leaked).toEqual([]);
  });
});

it('discover PIPELINE reads the pipeline\'s own source, keeps its other settings and says where the proposal differs from the file', async () => {
  const found = await discover({ pipeline: 'bundled-subsidy-payments', pipelines: 'pipelines', cwd: project.dir, logger: createLogger({ level: 'silent' }), runDate: '2026-01-01' });
  expect(found.yaml).toContain('# Where this differs from pipelines/bundled-subsidy-payments.yaml:\n');
  expect(found.yaml).toContain('#   classification.银行账号: the file has personal, proposed secret\n');
  const same = await discover({ pipeline: 'bundled-bookkeeping-agencies', pipelines: 'pipelines', cwd: project.dir, logger: createLogger({ level: 'silent' }), runDate: '2026-01-01' });
  expect(same.yaml).toContain('# Same entity, mapping, source key, mode and classification as pipelines/bundled-bookkeeping-agencies.yaml.');
  // The file's own connector block and description, as written.
  const reloaded = await project.load('rediscovered', same.yaml);
  expect(reloaded.connector).toEqual(bundled.get('bookkeeping-agencies')!.connector);
  expect(reloaded.description).toBe(bundled.get('bookkeeping-agencies')!.description);
  // Settings discover does not propose are kept as the file writes them.
  expect(reloaded.priority).toBe(70);
});

/**
 * Every value of an export that could be recognised in text: two characters or more, except
 * numbers of fewer than six digits (counts like `200` are printed; a short number is no ID,
 * phone or name). Read independently of the connectors (csv-parse, JSON).
 */
async function exportValues(name: string): Promise<Set<string>> {
  const outDir = path.join(project.data, 'sample');
  const file = fileOf(manifest, name);
  const values: string[] = [];
  if (file.path.endsWith('.ndjson')) for (const r of await readNdjson(outDir, file)) values.push(...Object.values(r).filter((v): v is string => typeof v === 'string'));
  else for (const r of (await readCsv(outDir, file)).records) values.push(...r);
  // A sanity check that the reading worked: the raw file holds the first value.
  expect(await readFile(path.join(outDir, file.path))).toBeDefined();
  return new Set(values.map((v) => v.trim()).filter((v) => v.length >= 2 && !(/^\d+(\.\d+)?$/.test(v) && v.replace('.', '').length < 6)));
}
