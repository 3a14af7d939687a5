/**
 * The change-event contract: every event the index writes (the snapshot case, a whole sample run,
 * and the docs' scenario of creates, updates and deletes) parses with the zod schema and validates
 * against docs/change-event.schema.json with a JSON Schema validator of its own (Ajv, draft
 * 2020-12); the committed JSON Schema is the zod schema's; each entity's state has the writer's
 * fields; the message key in SQL and in JavaScript agree.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_FIELDS } from '../../schemas/canonical.ts';
import { ChangeEvent, changeEventJsonSchema, LegalPersonState, PersonState, RecordState } from '../../schemas/change-event.ts';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { openIndex, type OpenIndex } from '../../src/index/open-index.ts';
import { createLogger } from '../../src/logger.ts';
import { ENVELOPE_FIELDS, messageKey, messageKeySql, RECORD_STATE_FIELDS } from '../../src/outbox/event-format.ts';
import { runPipeline } from '../../src/run/run-pipeline.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { runScenario } from '../../scripts/feed-examples/scenario.ts';
import { createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

type Row = { seq: string; event_id: string; event: string; key: string | null };

/** A validator of the committed JSON Schema, built by Ajv (strict mode, formats checked). */
async function jsonSchemaValidator() {
  const schema = JSON.parse(await readFile(path.join(REPO, 'docs/change-event.schema.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

async function outboxOf(index: OpenIndex): Promise<Row[]> {
  const reader = await index.connection.runAndReadAll(`SELECT seq, event_id, CAST(event AS VARCHAR) AS event, ${messageKeySql()} AS key FROM outbox ORDER BY seq`);
  return reader.getRowObjectsJson() as Row[];
}

/** Checks every outbox row against both schemas, the envelope's field order and the message key. */
async function expectContract(rows: Row[]): Promise<void> {
  const validate = await jsonSchemaValidator();
  for (const row of rows) {
    const json = JSON.parse(row.event) as Record<string, unknown>;
    const event = ChangeEvent.parse(json);
    expect(Object.keys(json)).toEqual([...ENVELOPE_FIELDS]);
    expect(String(event.seq)).toBe(row.seq);
    expect(event.id).toBe(row.event_id);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(row.key).toBe(messageKey(event));
  }
}

describe('change-event contract', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace();
    await ws.copyCase('snapshot/day1.csv', 'export.csv');
    const p = await ws.writePipeline('agencies', {
      system: '代理记账机构管理系统',
      entity: 'legal_person',
      connector: { kind: 'csv', path: 'export.csv' },
      mapping: { uscc: '统一社会信用代码', name: '机构名称' },
      source_key: ['统一社会信用代码'],
    });
    await ws.run(p);
  });
  afterAll(async () => ws.dispose());

  it('docs/change-event.schema.json is the JSON Schema of the zod schema (run npm run docs:schema after changing it)', async () => {
    const committed = JSON.parse(await readFile(path.join(REPO, 'docs/change-event.schema.json'), 'utf8'));
    expect(committed).toEqual(changeEventJsonSchema());
    // One definition per entity, for typed models.
    expect(Object.keys(committed.$defs).sort()).toEqual(['EventSource', 'LegalPerson', 'LegalPersonChangeEvent', 'Person', 'PersonChangeEvent', 'Record', 'RecordChangeEvent']);
  });

  it("each entity's state has exactly the fields the writer puts in events, in order", () => {
    expect(Object.keys(PersonState.shape)).toEqual([...GOLDEN_FIELDS.person]);
    expect(Object.keys(LegalPersonState.shape)).toEqual([...GOLDEN_FIELDS.legal_person]);
    expect(Object.keys(RecordState.shape)).toEqual([...RECORD_STATE_FIELDS]);
  });

  it('every outbox event parses with the exported schema; its seq and id are those of its outbox row', async () => {
    const rows = await ws.rows(`SELECT seq, event_id, event FROM changes ORDER BY seq`);
    expect(rows.length).toBe(3);
    for (const row of rows) {
      const event = ChangeEvent.parse(JSON.parse(String(row.event)));
      expect(event.seq).toBe(Number(row.seq));
      expect(event.id).toBe(row.event_id);
      expect(event.op).toBe('c');
      expect(event.before).toBeNull();
      expect(event.source).toMatchObject({ pipeline: 'agencies', system: '代理记账机构管理系统' });
    }
  });

  it('the JSON Schema and the zod schema reject what the contract rules out', async () => {
    const validate = await jsonSchemaValidator();
    const [row] = await ws.rows(`SELECT event FROM changes ORDER BY seq LIMIT 1`);
    const good = JSON.parse(String(row!.event)) as { after: Record<string, unknown> } & Record<string, unknown>;
    expect(validate(good)).toBe(true);
    const bad: Array<[string, unknown]> = [
      ['a person state in a legal person event', { ...good, after: { id_number: '350102198503171237', name: null, sex: 'male', birth_date: '1985-03-17', region_code: '350102', employer_name: null, employer_uscc: null } }],
      ['a field the state does not have', { ...good, after: { ...good.after, phone: '13800000000' } }],
      ['a USCC outside the alphabet', { ...good, after: { ...good.after, uscc: '91350100MA2Y8K3P3I' } }],
      ['an unknown entity', { ...good, entity: 'licence' }],
      ['another schema', { ...good, schema: 'onecode.legal_person.v1' }],
      ['a seq of 0', { ...good, seq: 0 }],
    ];
    for (const [why, event] of bad) {
      expect(validate(event), why).toBe(false);
      expect(ChangeEvent.safeParse(event).success, why).toBe(false);
    }
    // Rules only zod checks (the JSON Schema states them in its description).
    expect(ChangeEvent.safeParse({ ...good, op: 'u' }).success).toBe(false);
    expect(ChangeEvent.safeParse({ ...good, code: '91350203MA2YB7K08B' }).success).toBe(false);
  });
});

describe('every event of a sample run, and of the docs scenario (creates, updates, deletes)', () => {
  let dir: string;
  const indexes: OpenIndex[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-contract-'));
  });
  afterAll(async () => {
    for (const index of indexes) index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the sample: every event matches both schemas, and its message key', async () => {
    await cp(path.join(REPO, 'pipelines'), path.join(dir, 'pipelines'), { recursive: true });
    await generateSample({ outDir: path.join(dir, 'data/sample'), seed: 5, scale: 1 });
    const index = await openIndex(path.join(dir, 'sample.duckdb'));
    indexes.push(index);
    const logger = createLogger({ level: 'silent' });
    for (const file of (await readdir(path.join(dir, 'pipelines'))).filter((f) => f.endsWith('.yaml')).sort()) {
      const pipeline = await loadPipeline(path.join(dir, 'pipelines', file));
      expect((await runPipeline({ index, pipeline, logger, runDate: '2026-01-01' })).status, file).toBe('succeeded');
    }
    const rows = await outboxOf(index);
    expect(rows.length).toBeGreaterThan(4_000);
    await expectContract(rows);
    const entities = new Set(rows.map((r) => (JSON.parse(r.event) as { entity: string }).entity));
    expect(entities).toEqual(new Set(['person', 'legal_person', 'record']));
  }, 120_000);

  it('the docs scenario: creates, updates and deletes match both schemas', async () => {
    const scenario = path.join(dir, 'scenario');
    await mkdir(scenario);
    const { index } = await runScenario(scenario);
    indexes.push(index);
    const rows = await outboxOf(index);
    await expectContract(rows);
    const ops = rows.map((r) => JSON.parse(r.event) as { entity: string; op: string }).map((e) => `${e.entity}:${e.op}`);
    expect(ops).toEqual(['person:c', 'legal_person:c', 'legal_person:u', 'record:c', 'record:c', 'record:d', 'legal_person:c', 'legal_person:d']);
  }, 60_000);
});
