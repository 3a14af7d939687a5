/**
 * Issue 12: every delivered change carries the resource code and provider code of the catalogue
 * entry of the pipeline whose run wrote it — stored with each outbox event in the run's transaction
 * (golden events included), sent as Kafka headers on a real broker (a delete's tombstone too), and
 * written in the file sink's `resource_code` and `provider_code` columns. A pipeline without an
 * entry delivers none; the envelope never carries them (it is closed).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent } from '../../schemas/change-event.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { HEADER_PROVIDER_CODE, HEADER_RESOURCE_CODE } from '../../src/push/headers.ts';
import { deliverToSink } from '../../src/sinks/deliver.ts';
import { openSink } from '../../src/sinks/open-sink.ts';
import { loadSink } from '../../src/sinks/sink-config.ts';
import { onecode } from '../support/cli.ts';
import { csvBytes, personId } from '../support/csv-files.ts';
import { releaseBroker, resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { readFeed } from '../support/read-feed.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { writeSinkFile } from '../sinks/sink-fixtures.ts';

const RESOURCE = '301099001/000042';
const PROVIDER = '113500007485260534';
const LEGAL_PERSONS = ['113500007479380995', '11350000275253090K', '11350000318561000W'];
const prefix = `cat-${process.pid}-${Date.now().toString(36)}`;
const topics = ['person', 'legal_person', 'record'].map((e) => `${prefix}.${e}.v1`);

let ws: Workspace;
let broker: ResolvedKafka;
let persons: Pipeline;
let legalPersons: Pipeline;

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  ws = await createWorkspace();
  await writeFile(path.join(ws.dir, 'staff.csv'), csvBytes(['身份证号,姓名', ...[1, 2, 3, 4].map((n) => `${personId(n)},人${n}`)]));
  await writeFile(path.join(ws.dir, 'orgs.csv'), csvBytes(['统一社会信用代码,名称', ...LEGAL_PERSONS.map((c, i) => `${c},单位${i}`)]));
  persons = await ws.writePipeline('staff', {
    system: '测试人员系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' }, mapping: { id_number: '身份证号', name: '姓名' },
    source_key: ['身份证号'], max_delete_share: 0.5,
    catalogue: {
      resource_name: '测试人员信息', resource_code: RESOURCE, provider: '样例省测试厅', provider_code: PROVIDER, classification: '部门信息资源/样例省测试厅',
      abstract: '测试用的人员信息。', format: '电子表格',
      data_items: [{ name: '公民身份号码', type: 'C', code: 'CS0001', field: 'id_number' }, { name: '姓名', type: 'C', code: 'CS0002', field: 'name' }],
      sharing: { type: 'unconditional', method: '文件' }, open: 'not_open', update_cycle: 'daily', publish_date: '2026-06-01',
    },
  });
  legalPersons = await ws.writePipeline('orgs', {
    system: '测试单位系统', entity: 'legal_person', connector: { kind: 'csv', path: 'orgs.csv' }, mapping: { uscc: '统一社会信用代码', name: '名称' }, source_key: ['统一社会信用代码'],
  });
  expect((await ws.run(persons)).status).toBe('succeeded');
  expect((await ws.run(legalPersons)).status).toBe('succeeded');
  // a second run deletes one person: a 'd' event, and a tombstone on Kafka
  await writeFile(path.join(ws.dir, 'staff.csv'), csvBytes(['身份证号,姓名', ...[1, 2, 3].map((n) => `${personId(n)},人${n}`)]));
  expect((await ws.run(persons)).status).toBe('succeeded');
}, 240_000);

afterAll(async () => {
  await ws?.dispose();
  await releaseBroker(broker, topics);
});

describe('catalogue codes on delivered changes', () => {
  it('are stored with every event of a run of a pipeline with an entry, golden events included, and with none of one without', async () => {
    const rows = await ws.rows(`SELECT o.entity, o.op, o.resource_code, o.provider_code, r.pipeline FROM outbox o JOIN run_log r USING (run_id) ORDER BY seq`);
    expect(rows.map((r) => `${r.pipeline} ${r.entity} ${r.op}`)).toEqual([
      ...[1, 2, 3, 4].map(() => 'staff person c'), ...LEGAL_PERSONS.map(() => 'orgs legal_person c'), 'staff person d',
    ]);
    for (const r of rows) {
      expect([r.resource_code, r.provider_code], `${r.pipeline} ${r.op}`).toEqual(r.pipeline === 'staff' ? [RESOURCE, PROVIDER] : [null, null]);
    }
    expect(await ws.rows(`SELECT DISTINCT resource_code, provider_code FROM changes WHERE entity = 'person'`)).toEqual([{ resource_code: RESOURCE, provider_code: PROVIDER }]);
    // the envelope stays as the contract says: no field of the codes
    for (const r of await ws.rows(`SELECT CAST(event AS VARCHAR) AS event FROM outbox`)) {
      const envelope = JSON.parse(String(r.event)) as Record<string, unknown>;
      ChangeEvent.parse(envelope);
      expect(String(r.event)).not.toContain(RESOURCE);
    }
  });

  it('are written in the file sink\'s resource_code and provider_code columns', async () => {
    const folder = path.join(ws.dir, 'drop');
    await mkdir(folder);
    const declaration = await loadSink(await writeSinkFile(ws.dir, 'files', { kind: 'file', folder, format: 'ndjson', policy: 'personal=clear' }));
    const { sink, atLeast } = await openSink(declaration);
    const result = await deliverToSink({ connection: ws.index.connection, sink, policy: declaration.policy, logger: pino({ level: 'silent' }), atLeast });
    await sink.close();
    expect(result.delivered).toBe(8);
    const lines = (await Promise.all((await readdir(folder)).filter((f) => f.endsWith('.ndjson')).map((f) => readFile(path.join(folder, f), 'utf8'))))
      .flatMap((t) => t.split('\n').filter((l) => l !== '')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(8);
    for (const row of lines) {
      expect([row.resource_code, row.provider_code], `${row.entity}`).toEqual(row.entity === 'person' ? [RESOURCE, PROVIDER] : [null, null]);
    }
  });

  it('are sent as Kafka headers on each message of an event, its tombstone too, and are absent for a pipeline without an entry', async () => {
    await ws.index.connection.run('CHECKPOINT');
    ws.index.close();
    ws.index.close = () => undefined;
    const db = path.join(ws.dir, 'index.duckdb');
    const push = await onecode(['push', '--db', db, '--brokers', broker.brokers.join(','), '--topic-prefix', prefix], { cwd: ws.dir, env: { KAFKA_BROKERS: '', ONECODE_FEED_POLICY: '', ONECODE_LOG_LEVEL: 'error' } });
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout)).toMatchObject({ published: 8, parked: 0, held: 0, pending: 0 });
    const feed = await readFeed({ brokers: broker.brokers, topics, atLeast: 9 });
    expect(feed).toHaveLength(9); // 8 events and the tombstone after the delete
    const person = feed.filter((m) => m.topic === topics[0]);
    const legal = feed.filter((m) => m.topic === topics[1]);
    expect(person.map((m) => m.value === null)).toEqual(expect.arrayContaining([true]));
    expect(person).toHaveLength(6);
    for (const m of person) {
      expect([m.headers[HEADER_RESOURCE_CODE], m.headers[HEADER_PROVIDER_CODE]], m.key).toEqual([RESOURCE, PROVIDER]);
    }
    expect(legal).toHaveLength(3);
    for (const m of legal) {
      expect(Object.keys(m.headers)).not.toContain(HEADER_RESOURCE_CODE);
      expect(Object.keys(m.headers)).not.toContain(HEADER_PROVIDER_CODE);
      expect(m.headers['onecode-seq']).toMatch(/^\d+$/);
    }
  }, 180_000);
});
