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
import { messageKey } from '../../src/outbox/event-format.ts';
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

/** The scenario's pipelines (file name → config). */
const PIPELINES: Record<string, Record<string, unknown>> = {
  'accounting-staff': {
    system: '会计人员管理系统',
    entity: 'person',
    connector: { kind: 'csv', path: 'accounting-staff.csv' },
    mapping: { id_number: '身份证号', name: '姓名', employer_name: '工作单位', employer_uscc: '单位统一社会信用代码' },
    source_key: ['身份证号'],
  },
  'bookkeeping-agencies': {
    system: '代理记账机构管理系统',
    entity: 'legal_person',
    connector: { kind: 'csv', path: 'bookkeeping-agencies.csv' },
    mapping: { uscc: '统一社会信用代码', name: '机构名称', legal_representative: '法定代表人', legal_representative_id_number: '法定代表人身份证号', address: '地址' },
    source_key: ['统一社会信用代码'],
    max_delete_share: 1,
  },
  'subsidy-payments': {
    system: '惠民惠农补贴发放系统',
    entity: 'record',
    connector: { kind: 'csv', path: 'subsidy-payments.csv' },
    mapping: { id_number: '身份证号', name: '姓名' },
    source_key: ['发放流水号'],
    max_delete_share: 1,
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
 * @returns the open index (the caller closes it) and its outbox events in seq order, parsed.
 */
export async function runScenario(dir: string): Promise<{ index: OpenIndex; events: Array<Record<string, unknown>> }> {
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
  const reader = await index.connection.runAndReadAll('SELECT CAST(event AS VARCHAR) AS event FROM outbox ORDER BY seq');
  return { index, events: reader.getRowObjectsJS().map((r) => JSON.parse(String(r.event)) as Record<string, unknown>) };
}

/**
 * The messages the relay publishes for `events` (docs/feed-contract.md, "Messages"): topic
 * `<prefix>.<entity>.v1`, the message key, the headers (the feed in clear: the relay's default), the
 * envelope; a delete followed by its tombstone.
 */
export function messagesOf(events: ReadonlyArray<Record<string, unknown>>, prefix = 'onecode'): ExampleMessage[] {
  return events.flatMap((e) => {
    const headers = { ...eventHeaders({ eventId: String(e.id), schema: String(e.schema), seq: BigInt(e.seq as number) }), ...CLEAR_FEED_PROTECTION.headers };
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
