/**
 * Feed policies on a real broker (issue 10, "Who may see what", the Kafka part): the sample index
 * is pushed through the CLI under each policy of the `personal` class (clear, mask, pseudonymise,
 * drop) to a topic set of its own, and read back by a plain kafkajs consumer. Every message's
 * bytes (key, value, headers) are scanned for every ID number, phone and name the index holds;
 * every event must still be valid against the contract (zod and the committed JSON Schema), be
 * there exactly once and in seq order per key. Pseudonyms must join persons, records and legal
 * representatives, and stay the same across runs; a pipeline's override of a column's class must
 * take effect; a topic set refuses a second policy or key.
 */
import { randomUUID } from 'node:crypto';
import { chmod, copyFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent } from '../../schemas/change-event.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { readEventClasses, type EventClasses } from '../../src/outbox/event-classes.ts';
import type { OutboxEvent } from '../../src/outbox/outbox-store.ts';
import { maskIdNumber } from '../../src/protect/masks.ts';
import { pseudonymise } from '../../src/protect/pseudonymise.ts';
import { pseudonymKeyId } from '../../src/push/feed-protection.ts';
import { createEventProtector } from '../../src/push/protect-event.ts';
import { createPublisher } from '../../src/push/publisher.ts';
import { pushOutbox } from '../../src/push/relay.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { onecode } from '../support/cli.ts';
import { releaseBroker, resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { readFeed, type FeedMessage } from '../support/read-feed.ts';
import { REPO } from '../support/workspace.ts';
import { consumeAll, insertEvents, openOutbox, outboxRows, uniqueTopics } from './outbox-fixtures.ts';

type Message = FeedMessage;

const readFeedOf = (topics: string[], atLeast: number): Promise<Message[]> => readFeed({ brokers: broker.brokers, topics, atLeast });

/** An event as a consumer reads it (its state's fields depend on the entity and the policy). */
interface Event {
  entity: string;
  op: string;
  code: string;
  seq: number;
  before: Record<string, any> | null;
  after: Record<string, any> | null;
}

/** Every message of `feed` with its event parsed; each valid against zod and the committed JSON Schema. */
function decode(feed: Message[]): Array<{ m: Message; e: Event }> {
  return feed
    .filter((m) => m.value !== null)
    .map((m) => {
      const json = JSON.parse(m.value!) as Record<string, unknown>;
      ChangeEvent.parse(json);
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
      return { m, e: json as unknown as Event };
    });
}

/** The parts of a consumed message the order checks read. */
type Consumed = Pick<Message, 'topic' | 'partition' | 'offset' | 'key' | 'value' | 'headers'>;

/**
 * Exactly once (each event id once, one message per published event), in seq order per partition
 * and per key, a tombstone (same seq) right after each delete.
 */
function expectExactlyOnceInOrder(feed: Consumed[], published: number): void {
  const events = feed.filter((m) => m.value !== null);
  expect(events).toHaveLength(published);
  expect(new Set(events.map((m) => m.headers['onecode-event-id'])).size).toBe(published);
  const lists = new Map<string, Consumed[]>();
  for (const m of [...feed].sort((a, b) => (a.offset < b.offset ? -1 : 1))) {
    for (const k of [`${m.topic}/${m.partition}`, `${m.topic}/${m.partition}/${m.key}`]) lists.set(k, [...(lists.get(k) ?? []), m]);
  }
  for (const list of lists.values()) {
    for (let i = 1; i < list.length; i++) {
      const [prev, cur] = [BigInt(list[i - 1]!.headers['onecode-seq']!), BigInt(list[i]!.headers['onecode-seq']!)];
      if (list[i]!.value === null) expect(cur).toBe(prev);
      else expect(cur).toBeGreaterThan(prev);
    }
    list.forEach((m, i) => {
      if (m.value !== null && (JSON.parse(m.value) as { op: string }).op === 'd') expect(list[i + 1]?.value, `tombstone after delete seq ${m.headers['onecode-seq']}`).toBeNull();
    });
  }
}

/**
 * The values of `needles` found anywhere in any message's bytes. A needle made of `alphabet`'s
 * characters only can occur only inside a run of them, so only runs are searched (every window of
 * each needle length); any other needle is searched in the whole text.
 */
function found(feed: Message[], needles: Iterable<string>, alphabet: RegExp): string[] {
  const whole = new RegExp(`^(?:${alphabet.source})+$`, 'u');
  const wanted = new Set([...needles].filter((n) => whole.test(n)));
  const odd = [...new Set(needles)].filter((n) => !wanted.has(n));
  const lengths = [...new Set([...wanted].map((n) => n.length))];
  const runs = new RegExp(`(?:${alphabet.source})+`, 'gu');
  const hits = new Set<string>();
  for (const m of feed) {
    const text = m.bytes.toString('utf8');
    for (const run of text.match(runs) ?? []) {
      for (const len of lengths) for (let i = 0; i + len <= run.length; i++) if (wanted.has(run.slice(i, i + len))) hits.add(run.slice(i, i + len));
    }
    for (const n of odd) if (text.includes(n)) hits.add(n);
  }
  return [...hits];
}
const ID_CHARS = /[0-9X]/;
const PHONE_CHARS = /[0-9-]/;
const NAME_CHARS = /\p{Script=Han}/u;

let broker: ResolvedKafka;
let dir: string;
let keyFile: string;
let validate: ReturnType<Ajv2020['compile']>;
const KEY = Buffer.from('6f6e65636f64652d666565642d706f6c6963792d746573742d6b65792d303031', 'hex');
const run = `pol-${randomUUID().slice(0, 8)}`;
const topicsOf = (prefix: string) => ['person', 'legal_person', 'record'].map((e) => `${prefix}.${e}.v1`);
const created: string[] = [];
const cli = (args: string[], extra: Record<string, string> = {}) =>
  onecode(args, { cwd: dir, env: { KAFKA_BROKERS: '', ONECODE_LOG_LEVEL: 'error', ONECODE_PSEUDONYM_KEY_FILE: keyFile, ONECODE_FEED_POLICY: '', ...extra } });

/** What the sample index holds, to look for in the feed. */
let facts: {
  events: number;
  personIds: string[];
  legalRepIds: string[];
  recordCodes: Array<{ pipeline: string; source_key: string; code: string }>;
  phones: string[];
  names: string[];
};

/** A copy of the sample index, nothing published yet. */
async function freshIndex(name: string): Promise<string> {
  const db = path.join(dir, `${name}.duckdb`);
  await copyFile(path.join(dir, 'base.duckdb'), db);
  return db;
}

/** `onecode push` of `db` to the topics of `prefix` under `policy`; returns its JSON line. */
async function push(db: string, prefix: string, policy: string, extra: Record<string, string> = {}): Promise<{ code: number; report: Record<string, number> | undefined; stderr: string }> {
  created.push(...topicsOf(prefix));
  const r = await cli(['push', '--db', db, '--brokers', broker.brokers.join(','), '--topic-prefix', prefix, '--feed-policy', policy], extra);
  return { code: r.code, report: r.code === 0 ? (JSON.parse(r.stdout) as Record<string, number>) : undefined, stderr: r.stderr };
}

const pushed = new Map<string, Message[]>();
/** Pushes a fresh copy of the index under `personal=<policy>` (once) and reads its feed back. */
async function feedUnder(policy: string): Promise<Message[]> {
  if (!pushed.has(policy)) {
    const result = await push(await freshIndex(policy), `${run}-${policy}`, `personal=${policy}`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.report).toEqual({ published: facts.events, skippedAlreadyOnBroker: 0, parked: 0, held: 0, pending: 0 });
    const feed = await readFeedOf(topicsOf(`${run}-${policy}`), facts.events);
    expectExactlyOnceInOrder(feed, facts.events);
    pushed.set(policy, feed);
  }
  return pushed.get(policy)!;
}

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-policies-'));
  keyFile = path.join(dir, 'pseudonym.key');
  await writeFile(keyFile, `${KEY.toString('hex')}\n`);
  await chmod(keyFile, 0o600);
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  validate = ajv.compile(JSON.parse(await readFile(path.join(REPO, 'docs/change-event.schema.json'), 'utf8')) as object);

  await cp(path.join(REPO, 'pipelines'), path.join(dir, 'pipelines'), { recursive: true });
  await generateSample({ outDir: path.join(dir, 'data/sample'), seed: 11, scale: 1 });
  const r = await cli(['run', '--all', '--db', path.join(dir, 'base.duckdb')]);
  expect(r.code, r.stderr).toBe(0);

  const index = await openIndex(path.join(dir, 'base.duckdb'), { readOnly: true });
  const col = async (sql: string) => (await index.connection.runAndReadAll(sql)).getRows().map((row) => String(row[0]));
  facts = {
    events: Number((await col('SELECT count(*) FROM outbox'))[0]),
    personIds: await col('SELECT id_number FROM golden_person'),
    legalRepIds: await col('SELECT legal_representative_id_number FROM golden_legal_person WHERE legal_representative_id_number IS NOT NULL'),
    recordCodes: (await index.connection.runAndReadAll(`SELECT pipeline, source_key, one_code AS code FROM source_record WHERE entity = 'record' AND one_code IS NOT NULL`)).getRowObjectsJson() as Array<{ pipeline: string; source_key: string; code: string }>,
    phones: await col('SELECT phone FROM golden_person WHERE phone IS NOT NULL'),
    // Names of persons (golden, legal representatives, records' 姓名 as written), three characters or more: a two-character
    // name is as likely a part of a company's registered name (public, in clear) as a person's.
    names: await col(`SELECT DISTINCT n FROM (
        SELECT name AS n FROM golden_person UNION ALL SELECT legal_representative FROM golden_legal_person
        UNION ALL SELECT json_extract_string(payload, '$."姓名"') FROM source_record WHERE entity = 'record'
      ) WHERE length(n) >= 3`),
  };
  index.close();
  expect(facts.events).toBeGreaterThan(4_000);
  expect(facts.personIds.length).toBeGreaterThan(1_000);
  expect(facts.legalRepIds.length).toBeGreaterThan(100);
  expect(facts.phones.length).toBeGreaterThan(100);
  expect(facts.names.length).toBeGreaterThan(500);
}, 600_000);

afterAll(async () => {
  await releaseBroker(broker, created);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ids = () => [...facts.personIds, ...facts.legalRepIds, ...facts.recordCodes.map((r) => r.code).filter((c) => /^\d{17}[\dX]$/.test(c))];

describe('the sample pushed under each policy of personal values', () => {
  it('clear: ID numbers in clear, person keys are ID numbers; every message says so in onecode-policy, and carries no key id', async () => {
    const feed = await feedUnder('clear');
    const events = decode(feed);
    const personKeys = new Set(events.filter(({ e }) => e.entity === 'person').map(({ m }) => m.key));
    expect(personKeys).toEqual(new Set(facts.personIds));
    // The scan finds what is there: in clear, every ID number, phone and name of the index.
    expect(found(feed, facts.legalRepIds, ID_CHARS)).toHaveLength(new Set(facts.legalRepIds).size);
    expect(found(feed, ids(), ID_CHARS)).toHaveLength(new Set(ids()).size);
    expect(found(feed, facts.phones, PHONE_CHARS)).toHaveLength(new Set(facts.phones).size);
    expect(found(feed, facts.names, NAME_CHARS)).toHaveLength(new Set(facts.names).size);
    for (const m of feed) {
      expect(m.headers['onecode-policy']).toBe('public=clear,internal=clear,personal=clear');
      expect(m.headers['onecode-pseudonym-key']).toBeUndefined();
    }
  });

  it('mask: the documented patterns; no ID number, phone or name of the index anywhere in any message', async () => {
    const feed = await feedUnder('mask');
    expect(found(feed, ids(), ID_CHARS)).toEqual([]);
    expect(found(feed, facts.phones, PHONE_CHARS)).toEqual([]);
    expect(found(feed, facts.names, NAME_CHARS)).toEqual([]);
    const events = decode(feed);
    for (const { m } of events) expect(m.headers).toMatchObject({ 'onecode-policy': 'public=clear,internal=clear,personal=mask', 'onecode-pseudonym-key': pseudonymKeyId(KEY) });
    const persons = events.filter(({ e }) => e.entity === 'person');
    // Keys are pseudonymised (a mask is not unique): one key per person, as in clear.
    expect(new Set(persons.map(({ m }) => m.key))).toEqual(new Set(facts.personIds.map((id) => pseudonymise(id, KEY))));
    for (const { m, e } of persons) {
      expect(e.code).toBe(m.key);
      expect(e.after!.id_number).toBe(m.key);
      expect(e.after!.birth_date).toMatch(/^\d{4}-\*\*-\*\*$/);
      if (e.after!.phone !== null) expect(e.after!.phone).toMatch(/^\d{3}\*+\d{4}$|^\*+$/);
      if (e.after!.name !== null) expect(e.after!.name).toMatch(/^[^*]{1,2}\*+$|^\*$/);
    }
    const legal = events.filter(({ e }) => e.entity === 'legal_person' && e.after!.legal_representative_id_number);
    expect(legal.length).toBeGreaterThan(100);
    const clearRep = new Map(facts.legalRepIds.map((id) => [maskIdNumber(id), id]));
    for (const { e } of legal) expect(clearRep.has(e.after!.legal_representative_id_number as string), 'region and check character kept').toBe(true);
    const records = events.filter(({ e }) => e.entity === 'record' && e.after!.pipeline === 'subsidy-payments');
    for (const { e } of records) {
      const fields = e.after!.fields as Record<string, string>;
      expect(fields['身份证号']).toMatch(/^\d{6}\*{11}[\dX]$|^\*+$/);
      expect(fields['银行账号']).toMatch(/^\*+$/); // personal, of no documented kind: masked whole
      expect(fields['补贴项目']).not.toMatch(/\*/); // internal: clear
    }
  });

  it('pseudonymise: one pseudonym per person across persons, records and legal representatives (joins); no clear ID number, phone or name', async () => {
    const feed = await feedUnder('pseudonymise');
    expect(found(feed, ids(), ID_CHARS)).toEqual([]);
    expect(found(feed, facts.phones, PHONE_CHARS)).toEqual([]);
    expect(found(feed, facts.names, NAME_CHARS)).toEqual([]);
    const events = decode(feed);
    const personKeys = new Set(events.filter(({ e }) => e.entity === 'person').map(({ m }) => m.key));
    expect(personKeys).toEqual(new Set(facts.personIds.map((id) => pseudonymise(id, KEY))));
    const records = events.filter(({ e }) => e.entity === 'record');
    const codeOf = new Map(facts.recordCodes.map((r) => [`${r.pipeline}/${pseudonymise(r.source_key, KEY)}`, r.code]));
    let joined = 0;
    for (const { m, e } of records) {
      // The record's key is its pipeline and the pseudonym of its source key (a key is pseudonymised whatever its column's class); its code is the person's pseudonym.
      expect(e.code).toBe(pseudonymise(codeOf.get(m.key)!, KEY));
      if (personKeys.has(e.code)) joined += 1;
    }
    expect(joined).toBeGreaterThan(records.length / 2);
    const reps = events.filter(({ e }) => e.entity === 'legal_person').map(({ e }) => e.after!.legal_representative_id_number).filter((v): v is string => typeof v === 'string');
    expect(reps.length).toBeGreaterThan(100);
    expect(reps.every((p) => /^p_[0-9a-f]{32}$/.test(p))).toBe(true);
    expect(reps.filter((p) => personKeys.has(p)).length, 'legal representatives who are persons of the index join').toBeGreaterThan(0);
  });

  it('drop: the personal fields are left out; identities are pseudonymised; no clear ID number, phone or name', async () => {
    const feed = await feedUnder('drop');
    expect(found(feed, ids(), ID_CHARS)).toEqual([]);
    expect(found(feed, facts.phones, PHONE_CHARS)).toEqual([]);
    expect(found(feed, facts.names, NAME_CHARS)).toEqual([]);
    for (const { e } of decode(feed)) {
      const state = e.after!;
      if (e.entity === 'person') expect(Object.keys(state)).toEqual(['id_number', 'sex', 'region_code', 'employer_name', 'employer_uscc']);
      if (e.entity === 'legal_person') expect(Object.keys(state).filter((k) => k.startsWith('legal_representative') || k === 'address')).toEqual([]);
      if (e.entity === 'record') {
        expect(Object.keys(state.fields as object)).not.toContain('身份证号');
        expect(Object.keys(state.fields as object)).not.toContain('姓名');
        expect(Object.keys(state.fields as object)).not.toContain('银行账号');
        expect(state.code).toMatch(/^p_[0-9a-f]{32}$/);
      }
    }
  });
});

describe('pseudonyms across runs', () => {
  it('an update and a delete of a later run carry the same pseudonyms and keys, also after the pipeline reclassified its source key column; the tombstone removes the person under the key of its create', async () => {
    const feed = await feedUnder('pseudonymise');
    const db = path.join(dir, 'pseudonymise.duckdb');
    const subsidies = path.join(dir, 'data/sample/subsidy-payments.csv');
    const staff = path.join(dir, 'data/sample/accounting-staff.gbk.csv');
    const subsidyPipeline = path.join(dir, 'pipelines/subsidy-payments.yaml');
    const [subsidyText, staffBytes, pipelineText] = [await readFile(subsidies, 'utf8'), await readFile(staff), await readFile(subsidyPipeline, 'utf8')];
    try {
      // Between the two runs the pipeline declares its source key column 发放流水号 personal (it was internal):
      // the push applies the latest classes to every pending event, but a message key must not change with them.
      expect(pipelineText).toContain('  发放流水号: internal\n');
      await writeFile(subsidyPipeline, pipelineText.replace('  发放流水号: internal\n', '  发放流水号: personal\n'));
      const lines = subsidyText.split('\n');
      const [paymentKey, payee, , , amount] = lines[1]!.split(',');
      lines[1] = lines[1]!.replace(`,${amount},`, ',88888.88,');
      await writeFile(subsidies, lines.join('\n'));
      const index = await openIndex(db, { readOnly: true });
      const [victim] = (await index.connection.runAndReadAll(`
        SELECT one_code, min(source_key) AS source_key FROM records WHERE entity = 'person'
        GROUP BY one_code HAVING count(*) = 1 AND min(source_key) = one_code ORDER BY one_code LIMIT 1`)).getRowObjectsJson() as Array<{ one_code: string; source_key: string }>;
      index.close();
      const text = iconv.decode(staffBytes, 'gbk');
      await writeFile(staff, iconv.encode(text.split('\n').filter((l) => !l.startsWith(`${victim!.source_key},`)).join('\n'), 'gbk'));

      const r = await cli(['run', 'subsidy-payments', 'accounting-staff', '--db', db]);
      expect(r.code, r.stderr).toBe(0);
      const second = await push(db, `${run}-pseudonymise`, 'personal=pseudonymise');
      expect(second.report).toEqual({ published: 2, skippedAlreadyOnBroker: 0, parked: 0, held: 0, pending: 0 });
      const all = await readFeedOf(topicsOf(`${run}-pseudonymise`), feed.length + 3);
      expectExactlyOnceInOrder(all, facts.events + 2);
      const later = decode(all).filter(({ e }) => e.seq > facts.events);
      const update = later.find(({ e }) => e.op === 'u')!.e;
      expect(update.entity).toBe('record');
      expect(update.code).toBe(pseudonymise(payee!, KEY));
      expect((update.after as { source_key: string; fields: Record<string, unknown> }).fields['发放金额']).toBe('88888.88');
      const created = decode(feed).find(({ m }) => m.key === `subsidy-payments/${pseudonymise(paymentKey!, KEY)}`)!;
      expect(update.code).toBe(created.e.code);
      // The same key, so the same partition (per-key order) and compaction and tombstones on the key of its create.
      const updateMessage = later.find(({ e }) => e.op === 'u')!.m;
      expect(updateMessage.key).toBe(created.m.key);
      expect(updateMessage.partition).toBe(created.m.partition);
      const del = later.find(({ e }) => e.op === 'd')!;
      expect(del.m.key).toBe(pseudonymise(victim!.one_code, KEY));
      const create = decode(feed).find(({ e }) => e.entity === 'person' && e.op === 'c' && e.code === del.m.key)!;
      expect(create.m.partition).toBe(del.m.partition);
      const tombstone = all.find((m) => m.value === null)!;
      expect(tombstone).toMatchObject({ topic: del.m.topic, partition: del.m.partition, key: del.m.key, offset: del.m.offset + 1n });
      expect(found(all, [victim!.one_code, payee!], ID_CHARS)).toEqual([]);
    } finally {
      await writeFile(subsidies, subsidyText);
      await writeFile(staff, staffBytes);
      await writeFile(subsidyPipeline, pipelineText);
    }
  });
});

describe('a pipeline\'s classification', () => {
  it('overrides the default: a record pipeline that declares its name column public shows names in clear under personal=mask, its ID numbers still masked', async () => {
    const pipelines = path.join(dir, 'pipelines-override');
    await cp(path.join(dir, 'pipelines'), pipelines, { recursive: true });
    const file = path.join(pipelines, 'subsidy-payments.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('  姓名: personal', '  姓名: public'));
    const db = await freshIndex('override');
    // The run records the new classes (its extract is unchanged: no events); the pending events of the first run are pushed under them.
    const r = await cli(['run', 'subsidy-payments', '--db', db, '--pipelines', pipelines]);
    expect(r.code, r.stderr).toBe(0);
    const prefix = `${run}-override`;
    const result = await push(db, prefix, 'personal=mask');
    expect(result.code, result.stderr).toBe(0);
    const feed = await readFeedOf(topicsOf(prefix), result.report!.published!);
    const payments = decode(feed).filter(({ e }) => e.entity === 'record' && e.after!.pipeline === 'subsidy-payments');
    expect(payments.length).toBeGreaterThan(1_000);
    for (const { e } of payments) {
      const fields = e.after!.fields as Record<string, string>;
      expect(fields['姓名']).not.toMatch(/\*/);
      expect(fields['身份证号']).toMatch(/\*{11}/);
    }
    // The other record pipeline did not declare so: its names are masked.
    const education = decode(feed).filter(({ e }) => e.entity === 'record' && e.after!.pipeline === 'continuing-education');
    expect(education.every(({ e }) => /\*/.test((e.after!.fields as Record<string, string>)['姓名']!))).toBe(true);
  });
});

describe('one policy per topic set', () => {
  it('pushing under another policy, or another key, to topics of a feed is refused (FEED_POLICY_CHANGED); nothing is published or marked', async () => {
    await feedUnder('clear');
    await feedUnder('pseudonymise');
    const db = await freshIndex('refused');
    const other = await push(db, `${run}-clear`, 'personal=mask');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/FEED_POLICY_CHANGED.*published under feed policy public=clear,internal=clear,personal=clear, but this push applies public=clear,internal=clear,personal=mask/);
    const otherKey = path.join(dir, 'other.key');
    await writeFile(otherKey, `${Buffer.alloc(32, 9).toString('hex')}\n`);
    await chmod(otherKey, 0o600);
    const rekeyed = await push(db, `${run}-pseudonymise`, 'personal=pseudonymise', { ONECODE_PSEUDONYM_KEY_FILE: otherKey });
    expect(rekeyed.code).toBe(1);
    expect(rekeyed.stderr).toMatch(new RegExp(`FEED_POLICY_CHANGED.*\\(pseudonym key ${pseudonymKeyId(KEY)}\\).*\\(pseudonym key ${pseudonymKeyId(Buffer.alloc(32, 9))}\\)`));
    const index = await openIndex(db, { readOnly: true });
    const published = Number((await index.connection.runAndReadAll('SELECT count(*) FROM outbox WHERE published_at IS NOT NULL')).getRows()[0]![0]);
    index.close();
    expect(published).toBe(0);
    expect(await readFeedOf(topicsOf(`${run}-clear`), facts.events)).toHaveLength(facts.events);
  });

  it('a protecting policy without a key file stops before the index is touched (exit 2)', async () => {
    const db = await freshIndex('nokey');
    const r = await onecode(['push', '--db', db, '--brokers', broker.brokers.join(','), '--topic-prefix', `${run}-nokey`, '--feed-policy', 'personal=mask'], { cwd: dir, env: { ONECODE_PSEUDONYM_KEY_FILE: '', ONECODE_LOG_LEVEL: 'error' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/feed policy public=clear,internal=clear,personal=mask needs a pseudonymisation key.*ONECODE_PSEUDONYM_KEY_FILE/);
  });
});

describe('the relay under a protecting policy', () => {
  const protection = () => ({
    policy: { public: 'clear', internal: 'clear', personal: 'pseudonymise' } as const,
    keyId: pseudonymKeyId(KEY),
    headers: { 'onecode-policy': 'public=clear,internal=clear,personal=pseudonymise', 'onecode-pseudonym-key': pseudonymKeyId(KEY) },
    protector: (classes: EventClasses) => createEventProtector({ policy: { public: 'clear', internal: 'clear', personal: 'pseudonymise' }, key: KEY, classes }),
  });
  const logger = pino({ level: 'silent' });

  it('parks by the protected size, holds the later events of the key, resumes without resending; keys pseudonymised, exactly once, in order', async () => {
    const outbox = await openOutbox();
    const topics = uniqueTopics('policy-relay');
    created.push(...Object.values(topics));
    try {
      // 300 events over 30 keys, deletes among them; event 41 (key 11, a record) above the topic's limit
      // once protected: the fixture pipeline's payload columns are internal, in clear; its code and source key personal.
      await insertEvents(outbox.connection, { count: 300, keys: 30, padding: { 41: 1_200_000 } });
      const internal = (column: string) => ({ column, class: 'internal', kind: null });
      const classes = { version: 1, entity: 'record', golden: [], record: { code: { class: 'personal', kind: 'id_number' }, source_key: { class: 'personal', kind: null }, fields: ['version', 'name', 'filler'].map(internal) } };
      await outbox.connection.run(`INSERT INTO event_classes (pipeline, entity, classes, run_id, recorded_at) VALUES ('fixture', 'record', '${JSON.stringify(classes)}', 'r000001', now())`);
      const publisher = await createPublisher({ brokers: broker.brokers, logger, topics, partitions: 3, protection: protection() });
      try {
        // A relay that died after the broker acknowledged the first 40 protected events, before marking them.
        const rows = (await outbox.connection.runAndReadAll('SELECT seq, event_id, entity, op, code, CAST(event AS VARCHAR) AS event FROM outbox ORDER BY seq LIMIT 40')).getRowObjectsJS();
        const protect = publisher.protection.protector(await readEventClasses(outbox.connection));
        const first = rows.map((r) => protect({ seq: BigInt(r.seq as bigint), eventId: String(r.event_id), entity: String(r.entity), op: String(r.op), code: String(r.code), event: String(r.event) }) as OutboxEvent);
        expect((await publisher.publishBatch(first)).published).toHaveLength(40);

        const result = await pushOutbox({ connection: outbox.connection, publisher, logger, batchSize: 50 });
        const held = (await outboxRows(outbox.connection)).filter((r) => r.state === 'held');
        const all = await outboxRows(outbox.connection);
        expect(held.map((r) => r.seq)).toEqual([71, 101, 131, 161, 191, 221, 251, 281].map((i) => all[i]!.seq)); // key 11's later events
        expect(result).toEqual({ published: 300 - 40 - 1 - 8, skippedAlreadyOnBroker: 40, parked: 1, held: 8 });
        expect(all.find((r) => r.state === 'parked')!.seq).toBe(all[41]!.seq);
        expect(all.find((r) => r.state === 'parked')!.parkedReason).toMatch(/^message too large/);
        const published = all.filter((r) => r.published);
        const deletes = published.filter((r) => r.op === 'd').length;
        const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: published.length + deletes });
        expectExactlyOnceInOrder(feed, published.length);
        expect(new Set(feed.filter((m) => m.value !== null).map((m) => m.eventId))).toEqual(new Set(published.map((r) => r.eventId)));
        // Every key is the pseudonym of the outbox's key (a person's code, a record's source key), but a legal person's: its USCC is public.
        const keyOf = new Map(all.map((r) => [r.eventId, r.key]));
        for (const m of feed) {
          const clear = keyOf.get(m.eventId)!;
          const expected = m.topic === topics.legal_person ? clear : m.topic === topics.record ? `fixture/${pseudonymise(clear.slice('fixture/'.length), KEY)}` : pseudonymise(clear, KEY);
          expect(m.key).toBe(expected);
          expect(m.headers['onecode-pseudonym-key']).toBe(pseudonymKeyId(KEY));
        }
        const personal = all.filter((r) => r.entity !== 'legal_person').map((r) => r.key.replace('fixture/', ''));
        expect(personal.length).toBeGreaterThan(150);
        expect(found(feed.map((m) => ({ ...m, bytes: Buffer.from(`${m.key}\n${m.value ?? ''}`) })), personal, /[0-9a-z-]/)).toEqual([]);
      } finally {
        await publisher.close();
      }
    } finally {
      await outbox.remove();
    }
  });
});
