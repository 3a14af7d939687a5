/**
 * The examples of docs/feed-contract.md and README.md, from a real run: a small synthetic scenario
 * (three pipelines, one person, one legal person, two payments) run through the real pipeline code
 * into an index, whose outbox events are the examples. Each run writes exactly one change event, so
 * seqs and run ids are the same in every run; only event ids and `ts_ms` differ.
 *
 * Used by scripts/write-feed-examples.ts (npm run docs:examples), which writes the examples into the
 * docs, and by tests/e2e/push-feed-examples.test.ts, which runs the scenario again, pushes it to a
 * real broker and checks every example in the docs against the messages a consumer receives.
 *
 * Every value is synthetic: the ID number and USCC are made up, with valid check characters.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { openIndex, type OpenIndex } from '../../src/index/open-index.ts';
import { createLogger } from '../../src/logger.ts';
import { messageKey, type CatalogueCodes } from '../../src/outbox/event-format.ts';
import { CLEAR_FEED_PROTECTION } from '../../src/push/feed-protection.ts';
import { eventHeaders } from '../../src/push/headers.ts';
import { runPipeline } from '../../src/run/run-pipeline.ts';

/** A Kafka message of the feed as the docs show it: the value parsed (null for a tombstone). */
export interface ExampleMessage {
  topic: string;
  key: string;
  headers: Record<string, string>;
  value: Record<string, unknown> | null;
}

const PERSON = '350102198503171237';
const AGENCY = '91350100MA2Y8K3P3P';
const OTHER_AGENCY = '91350203MA2YB7K08B';

/**
 * A catalogue entry (docs/catalogue.md) of a scenario pipeline: the sample's codes for the same
 * system, one data item per mapped field, the rest as the sample's.
 */
const entry = (o: { name: string; resource: string; provider: string; providerCode: string; mapping: Record<string, string> }) => ({
  resource_name: o.name, resource_code: o.resource, provider: o.provider, provider_code: o.providerCode,
  classification: `部门信息资源/样例省财政厅`, abstract: `${o.name}（示例）。`, format: '数据库',
  data_items: Object.entries(o.mapping).map(([field, column], i) => ({ name: column, type: 'C', code: `EX${String(i + 1).padStart(4, '0')}`, field })),
  sharing: { type: 'unconditional', method: '接口' }, open: 'not_open', update_cycle: 'daily', publish_date: '2026-03-01',
});

const STAFF_MAPPING = { id_number: '身份证号', name: '姓名', employer_name: '工作单位', employer_uscc: '单位统一社会信用代码' };
const AGENCY_MAPPING = { uscc: '统一社会信用代码', name: '机构名称', legal_representative: '法定代表人', legal_representative_id_number: '法定代表人身份证号', address: '地址' };
const PAYMENT_MAPPING = { id_number: '身份证号', name: '姓名' };

/** The scenario's pipelines (file name → config). */
const PIPELINES: Record<string, Record<string, unknown>> = {
  'accounting-staff': {
    system: '会计人员管理系统',
    entity: 'person',
    connector: { kind: 'csv', path: 'accounting-staff.csv' },
    mapping: STAFF_MAPPING,
    source_key: ['身份证号'],
    catalogue: entry({ name: '会计人员信息', resource: '301012001/000001', provider: '样例省财政厅会计处', providerCode: '113500007485260534', mapping: STAFF_MAPPING }),
  },
  'bookkeeping-agencies': {
    system: '代理记账机构管理系统',
    entity: 'legal_person',
    connector: { kind: 'csv', path: 'bookkeeping-agencies.csv' },
    mapping: AGENCY_MAPPING,
    source_key: ['统一社会信用代码'],
    max_delete_share: 1,
    catalogue: entry({ name: '代理记账机构信息', resource: '301012002/000001', provider: '样例省财政厅会计处', providerCode: '113500007485260534', mapping: AGENCY_MAPPING }),
  },
  'subsidy-payments': {
    system: '惠民惠农补贴发放系统',
    entity: 'record',
    connector: { kind: 'csv', path: 'subsidy-payments.csv' },
    mapping: PAYMENT_MAPPING,
    source_key: ['发放流水号'],
    max_delete_share: 1,
    catalogue: entry({ name: '惠民惠农财政补贴发放信息', resource: '301014001/000001', provider: '样例省财政厅农业农村处', providerCode: '11350000275253090K', mapping: PAYMENT_MAPPING }),
  },
};

const AGENCY_HEADER = '统一社会信用代码,机构名称,法定代表人,法定代表人身份证号,地址';
const PAYMENT_HEADER = '发放流水号,身份证号,姓名,补贴项目,发放金额,发放日期';
const PAYMENT_1 = `HMHN0000000001,${PERSON},陈明,耕地地力保护补贴,1665.44,2025-06-11`;
const PAYMENT_2 = `HMHN0000000002,${PERSON},陈明,耕地地力保护补贴,1702.10,2025-07-11`;

const AGENCY_1 = `${AGENCY},福州示例会计服务有限公司,陈明,${PERSON},福州市鼓楼区示例路1号`;
const AGENCY_1_RENAMED = `${AGENCY},福州示例财务咨询有限公司,陈明,${PERSON},福州市鼓楼区示例路1号`;
const AGENCY_2 = `${OTHER_AGENCY},厦门示例代理记账有限公司,林华,,厦门市思明区示例路2号`;

/** The runs, in order: pipeline and the export it reads. Each writes exactly one change event. */
const RUNS: Array<{ pipeline: string; file: string; lines: string[] }> = [
  { pipeline: 'accounting-staff', file: 'accounting-staff.csv', lines: ['身份证号,姓名,工作单位,单位统一社会信用代码', `${PERSON},陈明,福州示例会计服务有限公司,${AGENCY}`] },
  { pipeline: 'bookkeeping-agencies', file: 'bookkeeping-agencies.csv', lines: [AGENCY_HEADER, AGENCY_1] },
  { pipeline: 'bookkeeping-agencies', file: 'bookkeeping-agencies.csv', lines: [AGENCY_HEADER, AGENCY_1_RENAMED] },
  { pipeline: 'subsidy-payments', file: 'subsidy-payments.csv', lines: [PAYMENT_HEADER, PAYMENT_1] },
  { pipeline: 'subsidy-payments', file: 'subsidy-payments.csv', lines: [PAYMENT_HEADER, PAYMENT_1, PAYMENT_2] },
  { pipeline: 'subsidy-payments', file: 'subsidy-payments.csv', lines: [PAYMENT_HEADER, PAYMENT_2] },
  { pipeline: 'bookkeeping-agencies', file: 'bookkeeping-agencies.csv', lines: [AGENCY_HEADER, AGENCY_1_RENAMED, AGENCY_2] },
  // The first agency is gone from the registry's export: a delete.
  { pipeline: 'bookkeeping-agencies', file: 'bookkeeping-agencies.csv', lines: [AGENCY_HEADER, AGENCY_2] },
];

/**
 * The examples: name → which message of the scenario's feed it shows. `tombstone` picks the
 * tombstone that follows the delete.
 */
export const EXAMPLES: Record<string, { entity: string; op: 'c' | 'u' | 'd'; tombstone?: boolean; code?: string }> = {
  'person-create': { entity: 'person', op: 'c' },
  'legal-person-update': { entity: 'legal_person', op: 'u', code: AGENCY },
  'legal-person-delete': { entity: 'legal_person', op: 'd' },
  'legal-person-tombstone': { entity: 'legal_person', op: 'd', tombstone: true },
  'record-create': { entity: 'record', op: 'c' },
  'record-delete': { entity: 'record', op: 'd' },
  'record-tombstone': { entity: 'record', op: 'd', tombstone: true },
};

/**
 * Runs the scenario in `dir` (an empty folder): writes the pipelines and exports, runs them in order
 * into `dir/index.duckdb`.
 * @returns the open index (the caller closes it), its outbox events in seq order, parsed, and the
 *   catalogue codes stored with each (outbox `resource_code`, `provider_code`), in the same order.
 */
export async function runScenario(dir: string): Promise<{ index: OpenIndex; events: Array<Record<string, unknown>>; codes: Array<CatalogueCodes | undefined> }> {
  for (const [name, config] of Object.entries(PIPELINES)) await writeFile(path.join(dir, `${name}.yaml`), stringify({ name, ...config }));
  const index = await openIndex(path.join(dir, 'index.duckdb'));
  const logger = createLogger({ level: 'silent' });
  for (const run of RUNS) {
    await writeFile(path.join(dir, run.file), run.lines.join('\n') + '\n');
    const summary = await runPipeline({ index, pipeline: await loadPipeline(path.join(dir, `${run.pipeline}.yaml`)), logger, runDate: '2026-01-01' });
    if (summary.status !== 'succeeded' || summary.events !== 1) {
      throw new Error(`scenario run of ${run.pipeline} ${summary.status} with ${summary.events} events (expected one): ${summary.error ?? ''}`);
    }
  }
  const reader = await index.connection.runAndReadAll('SELECT CAST(event AS VARCHAR) AS event, resource_code, provider_code FROM outbox ORDER BY seq');
  const rows = reader.getRowObjectsJS();
  return {
    index,
    events: rows.map((r) => JSON.parse(String(r.event)) as Record<string, unknown>),
    codes: rows.map((r) => (r.resource_code === null || r.provider_code === null ? undefined : { resourceCode: String(r.resource_code), providerCode: String(r.provider_code) })),
  };
}

/**
 * The messages the relay publishes for `events` (docs/feed-contract.md, "Messages"): topic
 * `<prefix>.<entity>.v1` (default prefix `onecode`), the message key, the headers (the catalogue's
 * codes of each event, `codes[i]` for `events[i]`; the feed in clear: the relay's default), the
 * envelope; a delete followed by its tombstone.
 */
export function messagesOf(events: ReadonlyArray<Record<string, unknown>>, options: { prefix?: string; codes?: ReadonlyArray<CatalogueCodes | undefined> } = {}): ExampleMessage[] {
  const prefix = options.prefix ?? 'onecode';
  return events.flatMap((e, i) => {
    const codes = options.codes?.[i];
    const headers = { ...eventHeaders({ eventId: String(e.id), schema: String(e.schema), seq: BigInt(e.seq as number), resourceCode: codes?.resourceCode, providerCode: codes?.providerCode }), ...CLEAR_FEED_PROTECTION.headers };
    const message = { topic: `${prefix}.${String(e.entity)}.v1`, key: messageKey(e as { entity: string; code: string })!, headers };
    return e.op === 'd' ? [{ ...message, value: e }, { ...message, value: null }] : [{ ...message, value: e }];
  });
}

/** The message an example shows, among `messages` (of one scenario run). */
export function exampleMessage(messages: readonly ExampleMessage[], name: string): ExampleMessage {
  const which = EXAMPLES[name];
  if (which === undefined) throw new Error(`unknown feed example '${name}' (known: ${Object.keys(EXAMPLES).join(', ')})`);
  const i = messages.findIndex((m) => m.value !== null && m.value.entity === which.entity && m.value.op === which.op && (which.code === undefined || m.value.code === which.code));
  if (i < 0) throw new Error(`the scenario has no ${which.entity} ${which.op} event for example '${name}'`);
  return which.tombstone ? messages[i + 1]! : messages[i]!;
}

/** A marked example in a doc: `<!-- feed-example NAME [value] -->` on the line before a ```json block. */
export interface DocExample {
  name: string;
  /** `message`: the whole Kafka message; `value`: the envelope alone. */
  form: 'message' | 'value';
  /** The block's JSON text. */
  json: string;
  /** Offsets of the JSON text in the doc. */
  start: number;
  end: number;
}

const MARKED = /<!-- feed-example ([a-z-]+)(?: (value))? -->\n```json\n([\s\S]*?)\n```/g;
const ANY_JSON_BLOCK = /```json\n/g;

/** The marked examples of `text`, and the number of ```json blocks in it (marked or not). */
export function docExamples(text: string): { examples: DocExample[]; jsonBlocks: number } {
  const examples = [...text.matchAll(MARKED)].map((m) => {
    const start = m.index! + m[0].indexOf('```json\n') + '```json\n'.length;
    return { name: m[1]!, form: (m[2] ?? 'message') as 'message' | 'value', json: m[3]!, start, end: start + m[3]!.length };
  });
  return { examples, jsonBlocks: [...text.matchAll(ANY_JSON_BLOCK)].length };
}

/**
 * An example as the docs print it: top-level fields one per line, `headers` and the envelope's
 * `before`, `after` and `source` on one line each.
 */
export function formatExample(message: ExampleMessage, form: 'message' | 'value'): string {
  const inline = (v: unknown): string =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`).join(', ')} }`
      : JSON.stringify(v);
  const envelope = (v: Record<string, unknown>, indent: string) =>
    `{\n${Object.entries(v).map(([k, x]) => `${indent}  ${JSON.stringify(k)}: ${x !== null && typeof x === 'object' ? inline(x) : JSON.stringify(x)}`).join(',\n')}\n${indent}}`;
  if (form === 'value') return envelope(message.value!, '');
  const value = message.value === null ? 'null' : envelope(message.value, '  ');
  return `{\n  "topic": ${JSON.stringify(message.topic)},\n  "key": ${JSON.stringify(message.key)},\n  "headers": ${inline(message.headers)},\n  "value": ${value}\n}`;
}

/**
 * An example (the parsed JSON of a doc block) with its run-to-run variable parts made constant:
 * the envelope's `id` and `ts_ms`, the `onecode-event-id` header, and the topic prefix.
 */
export function withoutVariableParts(example: unknown, form: 'message' | 'value'): unknown {
  const envelope = (v: unknown) => (v !== null && typeof v === 'object' ? { ...(v as object), id: '<id>', ts_ms: 0 } : v);
  if (form === 'value') return envelope(example);
  const m = example as ExampleMessage;
  return {
    ...m,
    topic: String(m.topic).replace(/^.*\.([a-z_]+\.v\d+)$/, 'PREFIX.$1'),
    headers: { ...m.headers, 'onecode-event-id': '<id>' },
    value: envelope(m.value),
  };
}

/** Whether the doc block `json` shows `message` (equal but for {@link withoutVariableParts}). */
export function showsMessage(json: string, message: ExampleMessage, form: 'message' | 'value'): boolean {
  let shown: unknown;
  try {
    shown = JSON.parse(json);
  } catch {
    return false;
  }
  return isDeepStrictEqual(withoutVariableParts(shown, form), withoutVariableParts(form === 'value' ? message.value : message, form));
}

/**
 * Rewrites every marked example of the doc at `file` that does not show its message of `messages`
 * (examples equal but for ids and times are left as they are).
 * @returns whether the file changed.
 */
export async function writeDocExamples(file: string, messages: readonly ExampleMessage[]): Promise<boolean> {
  const text = await readFile(file, 'utf8');
  let out = '';
  let at = 0;
  for (const e of docExamples(text).examples) {
    const message = exampleMessage(messages, e.name);
    out += text.slice(at, e.start) + (showsMessage(e.json, message, e.form) ? e.json : formatExample(message, e.form));
    at = e.end;
  }
  out += text.slice(at);
  if (out === text) return false;
  await writeFile(file, out);
  return true;
}
