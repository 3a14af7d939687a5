/**
 * A feed's policy (src/push/feed-policy.ts) and its application to change events
 * (src/push/protect-event.ts, feed-protection.ts), without a broker: what each policy leaves of
 * each value, identities pseudonymised and never masked or dropped, pseudonyms that join across
 * entities, numbers carried exactly, and every protected event valid against the contract (zod and
 * the committed JSON Schema). Values are synthetic.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent } from '../../schemas/change-event.ts';
import { PipelineConfig, type Pipeline } from '../../schemas/pipeline.ts';
import { ConfigError } from '../../src/errors.ts';
import { eventClassesOf } from '../../src/outbox/event-classes.ts';
import { CHANGE_EVENT_SCHEMA } from '../../src/outbox/event-format.ts';
import type { OutboxEvent } from '../../src/outbox/outbox-store.ts';
import { pipelineEventClasses, PipelineEventClasses } from '../../src/protect/field-classes.ts';
import { pseudonymise } from '../../src/protect/pseudonymise.ts';
import { CLEAR_FEED_POLICY, formatFeedPolicy, parseFeedPolicy, resolveFeedSettings } from '../../src/push/feed-policy.ts';
import { CLEAR_FEED_PROTECTION, createFeedProtection, pseudonymKeyId } from '../../src/push/feed-protection.ts';
import { createEventProtector } from '../../src/push/protect-event.ts';
import { personId } from '../support/csv-files.ts';
import { REPO } from '../support/workspace.ts';

const KEY = Buffer.alloc(32, 0x5a);
const ID = personId(7); // 35010219850317007…
const REP_ID = personId(8);
const USCC = '91350100MA2Y8K3P3P';

function pipeline(config: Record<string, unknown>): Pipeline {
  return { ...PipelineConfig.parse({ system: 'S', connector: { kind: 'csv', path: 'x.csv' }, ...config }), file: '/x.yaml' };
}
const recorded = (p: Pipeline): [string, PipelineEventClasses] => [p.name, PipelineEventClasses.parse(pipelineEventClasses(p))];
const classes = eventClassesOf(new Map([
  recorded(pipeline({ name: 'people', entity: 'person', mapping: { id_number: '身份证号', name: '姓名', phone: '手机' }, source_key: ['身份证号'] })),
  recorded(pipeline({ name: 'agencies', entity: 'legal_person', mapping: { uscc: '代码', name: '名称', legal_representative: '法人', legal_representative_id_number: '法人证件', address: '地址' }, source_key: ['代码'] })),
  recorded(pipeline({ name: 'payments', entity: 'record', mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['流水号'], classification: { 银行账号: 'personal', 备注: 'public', n: 'internal', amount: 'internal' } })),
]));

let seq = 0n;
function outboxEvent(entity: 'person' | 'legal_person' | 'record', op: 'c' | 'u' | 'd', code: string, state: Record<string, unknown>, raw?: string): OutboxEvent {
  seq += 1n;
  const id = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  const envelope = { schema: CHANGE_EVENT_SCHEMA, id, seq: Number(seq), op, entity, code, before: op === 'c' ? null : state, after: op === 'd' ? null : state, source: { pipeline: 'p', system: 'S', run_id: 'r000001' }, ts_ms: 1_796_000_000_000 };
  return { seq, eventId: id, entity, op, code, event: raw ?? JSON.stringify(envelope) };
}

const person = outboxEvent('person', 'u', ID, { id_number: ID, name: '欧阳明华', sex: 'male', birth_date: '1985-03-17', region_code: '350102', employer_name: '示例公司', employer_uscc: USCC, phone: '13812345678' });
const legal = outboxEvent('legal_person', 'c', USCC, { uscc: USCC, name: '福州示例会计服务有限公司', org_code: 'MA2Y8K3P3', region_code: '350100', legal_representative: '陈明', legal_representative_id_number: REP_ID, address: '福建省福州市鼓楼区示例路1号' });
// The payload as the source wrote it: the ID number with a lower-case x check character would
// normalise to the code; here a space and full-width digits are repaired by normalizeInput.
const rawId = ` ${ID.slice(0, 6)}${ID.slice(6, 10).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))}${ID.slice(10)}`;
const record = outboxEvent('record', 'd', ID, {
  pipeline: 'payments', system: 'S', source_key: 'LS0001', code: ID,
  fields: { 流水号: 'LS0001', 身份证号: rawId, 姓名: '陈明', 银行账号: '6222020200112233445', 备注: '补贴', 金额: '1665.44' },
});
// Numbers of an NDJSON payload, beyond what a double holds, and a decimal written with a trailing zero.
const numbers = outboxEvent('record', 'c', ID, {}, `{"schema":"${CHANGE_EVENT_SCHEMA}","id":"00000000-0000-4000-8000-00000000ffff","seq":99,"op":"c","entity":"record","code":"${ID}","before":null,"after":{"pipeline":"payments","system":"S","source_key":"LS0002","code":"${ID}","fields":{"n":9007199254740993,"amount":1.10,"姓名":"陈明"}},"source":{"pipeline":"p","system":"S","run_id":"r1"},"ts_ms":1}`);

let validate: ReturnType<Ajv2020['compile']>;
beforeAll(async () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  validate = ajv.compile(JSON.parse(await readFile(path.join(REPO, 'docs/change-event.schema.json'), 'utf8')) as object);
});

/** The protected envelope, checked against the zod schema and the committed JSON Schema. */
function protectedEnvelope(policy: string, event: OutboxEvent): { envelope: Record<string, any>; out: OutboxEvent } {
  const out = createEventProtector({ policy: parseFeedPolicy(policy), key: KEY, classes })(event);
  if (typeof out === 'string') throw new Error(out);
  const envelope = JSON.parse(out.event) as Record<string, any>;
  ChangeEvent.parse(envelope);
  expect(validate(envelope), JSON.stringify(validate.errors)).toBe(true);
  expect(out.code).toBe(envelope.code);
  return { envelope, out };
}

describe('the feed policy setting', () => {
  it('parses class=policy items; classes not named are clear; formats every class', () => {
    expect(parseFeedPolicy('personal=pseudonymise, internal=clear')).toEqual({ public: 'clear', internal: 'clear', personal: 'pseudonymise' });
    expect(parseFeedPolicy('')).toEqual(CLEAR_FEED_POLICY);
    expect(formatFeedPolicy(parseFeedPolicy('personal=drop,public=mask'))).toBe('public=mask,internal=clear,personal=drop');
  });

  it.each([
    ['secret=drop', /secret values are never stored/],
    ['personal=hide', /'hide' is not a policy/],
    ['private=mask', /'private' is not a class/],
    ['personal=mask,personal=drop', /named twice/],
    ['personal', /is not class=policy/],
  ])('refuses %s with a ConfigError that says how to write it', (text, why) => {
    const error = (() => {
      try {
        parseFeedPolicy(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('feed_policy_invalid');
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).toMatch(/ONECODE_FEED_POLICY: .*e\.g\. personal=pseudonymise,internal=clear/);
  });

  it('the flag wins over the environment; unset means every class clear, not explicit', () => {
    const env = { ONECODE_FEED_POLICY: 'personal=mask', ONECODE_PSEUDONYM_KEY_FILE: '/k' };
    expect(resolveFeedSettings(undefined, env)).toEqual({ policy: parseFeedPolicy('personal=mask'), explicit: true, keyFile: '/k' });
    expect(resolveFeedSettings('personal=drop', env).policy.personal).toBe('drop');
    expect(resolveFeedSettings(undefined, {})).toEqual({ policy: CLEAR_FEED_POLICY, explicit: false, keyFile: undefined });
    expect(() => resolveFeedSettings('personal=x', {})).toThrow(/--feed-policy: 'x' is not a policy/);
  });
});

describe('protecting one event', () => {
  it('clear: the very same event, unparsed', () => {
    const protect = createEventProtector({ policy: CLEAR_FEED_POLICY, key: undefined, classes });
    for (const e of [person, legal, record, numbers]) expect(protect(e)).toBe(e);
  });

  it('mask: the documented patterns; the one code and the key pseudonymised (a mask is not unique)', () => {
    const { envelope: p } = protectedEnvelope('personal=mask', person);
    expect(p.code).toBe(pseudonymise(ID, KEY));
    expect(p.after).toEqual({ id_number: p.code, name: '欧阳**', sex: 'male', birth_date: '1985-**-**', region_code: '350102', employer_name: '示例公司', employer_uscc: USCC, phone: '138****5678' });
    const { envelope: l } = protectedEnvelope('personal=mask', legal);
    expect(l.code).toBe(USCC);
    expect(l.after).toMatchObject({ name: '福州示例会计服务有限公司', legal_representative: '陈*', legal_representative_id_number: `${REP_ID.slice(0, 6)}***********${REP_ID.slice(17)}`, address: '福建省福州市********' });
    const { envelope: r, out } = protectedEnvelope('personal=mask', record);
    expect(r.code).toBe(pseudonymise(ID, KEY));
    expect(r.before.code).toBe(r.code);
    // The source key is a key: pseudonymised whenever the policy is not clear everywhere, whatever its column's class.
    expect(r.before.source_key).toBe(pseudonymise('LS0001', KEY));
    expect(out.event).not.toContain(ID);
    // 流水号 and 金额 are neither mapped nor classified: personal (fail closed), masked whole; 备注 is declared public.
    expect(r.before.fields).toEqual({ 流水号: '******', 身份证号: `${ID.slice(0, 6)}***********${ID.slice(17)}`, 姓名: '陈*', 银行账号: '*******************', 备注: '补贴', 金额: '*******' });
  });

  it('pseudonymise: one pseudonym per value, so the person, the record\'s code and its ID column (as written) and the legal representative join', () => {
    const { envelope: p } = protectedEnvelope('personal=pseudonymise', person);
    const { envelope: r } = protectedEnvelope('personal=pseudonymise', record);
    const { envelope: l } = protectedEnvelope('personal=pseudonymise', outboxEvent('legal_person', 'c', USCC, { ...JSON.parse(legal.event).after, legal_representative_id_number: ID }));
    const pid = pseudonymise(ID, KEY);
    expect([p.code, p.after.id_number, r.code, r.before.code, r.before.fields.身份证号, l.after.legal_representative_id_number]).toEqual(Array(6).fill(pid));
    expect(p.after.name).toBe(pseudonymise('欧阳明华', KEY));
    expect(p.after.birth_date).toMatch(/^p_[0-9a-f]{32}$/);
    expect(r.before.fields.银行账号).toBe(pseudonymise('6222020200112233445', KEY));
    expect(l.after.name).toBe('福州示例会计服务有限公司');
  });

  it('drop: the fields of the class are left out; identities are pseudonymised, never dropped', () => {
    const { envelope: p } = protectedEnvelope('personal=drop', person);
    expect(p.after).toEqual({ id_number: pseudonymise(ID, KEY), sex: 'male', region_code: '350102', employer_name: '示例公司', employer_uscc: USCC });
    const { envelope: r } = protectedEnvelope('personal=drop,internal=drop', record);
    expect(r.before).toEqual({ pipeline: 'payments', system: 'S', source_key: pseudonymise('LS0001', KEY), code: pseudonymise(ID, KEY), fields: { 备注: '补贴' } });
    const { envelope: l } = protectedEnvelope('personal=drop,public=drop', legal);
    expect(l.after).toEqual({ uscc: pseudonymise(USCC, KEY) });
    expect(l.code).toBe(l.after.uscc);
  });

  it('identity values follow the policy alone: a reclassification between two runs, or no classes recorded at all, changes no key', () => {
    const payments = (classification: Record<string, string>) => pipeline({ name: 'payments', entity: 'record', mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['流水号'], classification });
    const people = (classification: Record<string, string>) => pipeline({ name: 'people', entity: 'person', mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'], classification });
    const agencies = (classification: Record<string, string>) => pipeline({ name: 'agencies', entity: 'legal_person', mapping: { uscc: '代码', name: '名称' }, source_key: ['代码'], classification });
    const runs = [
      eventClassesOf(new Map()), // events written before classes were recorded: everything personal
      eventClassesOf(new Map([recorded(payments({ 流水号: 'internal' })), recorded(people({})), recorded(agencies({}))])),
      eventClassesOf(new Map([recorded(payments({ 流水号: 'personal', 身份证号: 'public' })), recorded(people({ 身份证号: 'public' })), recorded(agencies({ 代码: 'personal' }))])),
      eventClassesOf(new Map([recorded(payments({ 流水号: 'public' })), recorded(people({ 身份证号: 'internal' })), recorded(agencies({ 代码: 'internal' }))])),
    ];
    for (const policy of ['personal=pseudonymise', 'personal=mask', 'internal=drop', 'public=mask,personal=clear', 'personal=drop,internal=pseudonymise,public=mask']) {
      const keysOf = (c: (typeof runs)[number]) => {
        const protect = createEventProtector({ policy: parseFeedPolicy(policy), key: KEY, classes: c });
        return [person, legal, record].map((e) => {
          const out = protect(e);
          if (typeof out === 'string') throw new Error(out);
          const env = JSON.parse(out.event) as Record<string, any>;
          const state = env.before ?? env.after;
          return { code: out.code, stateCode: state.id_number ?? state.uscc ?? state.code, sourceKey: state.source_key };
        });
      };
      const first = keysOf(runs[0]!);
      for (const c of runs.slice(1)) expect(keysOf(c), policy).toEqual(first);
      const p = parseFeedPolicy(policy);
      // The person's and the record's code: pseudonymised exactly when personal is not clear; the USCC when public is not; the source key when any class is not.
      expect(first[0]!.code).toBe(p.personal === 'clear' ? ID : pseudonymise(ID, KEY));
      expect(first[2]!.code).toBe(first[0]!.code);
      expect(first[1]!.code).toBe(p.public === 'clear' ? USCC : pseudonymise(USCC, KEY));
      expect(first[2]!.sourceKey).toBe(pseudonymise('LS0001', KEY));
      for (const k of first) expect(k.stateCode).toBe(k.code);
    }
  });

  it('numbers of a payload are carried exactly; under mask a number is masked as its text', () => {
    const { out } = protectedEnvelope('personal=pseudonymise', numbers);
    expect(out.event).toContain('"n":9007199254740993,"amount":1.10,');
    const { envelope } = protectedEnvelope('internal=mask', numbers);
    expect(envelope.after.fields).toMatchObject({ n: '****************', amount: '****' });
    // Each kind of number JSON would not give back as written, alone in an event; and plain integers.
    for (const [written, back] of [['-0', '-0'], ['1E5', '1E5'], ['2.50', '2.50'], ['12345678901234567', '12345678901234567'], ['42', '42'], ['123456789012345', '123456789012345']]) {
      const one = { ...numbers, event: numbers.event.replace('"n":9007199254740993,"amount":1.10,', `"n":${written},`) };
      expect(protectedEnvelope('personal=pseudonymise', one).out.event).toContain(`"fields":{"n":${back},"姓名":"p_`);
    }
  });

  it('an envelope whose entity is not its outbox row\'s is not guessed at: the reason to park it', () => {
    const protect = createEventProtector({ policy: parseFeedPolicy('personal=mask'), key: KEY, classes });
    expect(protect({ ...person, entity: 'record' })).toMatch(/^cannot apply the feed policy: the envelope's entity/);
    const notJson = { ...person, event: '{' };
    expect(protect(notJson)).toBe(notJson); // the publisher parks it: not valid JSON
  });

  it('a policy other than clear needs a key', () => {
    expect(() => createEventProtector({ policy: parseFeedPolicy('personal=mask'), key: undefined, classes })).toThrow(RangeError);
  });
});

describe('createFeedProtection', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-feed-key-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  const logger = pino({ level: 'silent' });

  it('headers: the policy always, the key id when a key is used', async () => {
    const file = path.join(dir, 'key');
    await writeFile(file, KEY.toString('hex') + '\n');
    await chmod(file, 0o600);
    const p = await createFeedProtection({ policy: parseFeedPolicy('personal=pseudonymise'), explicit: true, keyFile: file }, logger);
    expect(p.headers).toEqual({ 'onecode-policy': 'public=clear,internal=clear,personal=pseudonymise', 'onecode-pseudonym-key': pseudonymKeyId(KEY) });
    expect(pseudonymKeyId(KEY)).toMatch(/^[0-9a-f]{16}$/);
    expect(pseudonymKeyId(Buffer.alloc(32, 1))).not.toBe(pseudonymKeyId(KEY));
    expect((await createFeedProtection({ policy: CLEAR_FEED_POLICY, explicit: true, keyFile: file }, logger)).headers).toEqual({ 'onecode-policy': 'public=clear,internal=clear,personal=clear' });
    expect(CLEAR_FEED_PROTECTION.keyId).toBeUndefined();
  });

  it('without ONECODE_PSEUDONYM_KEY_FILE a protecting policy is a ConfigError naming the variable', async () => {
    await expect(createFeedProtection({ policy: parseFeedPolicy('personal=mask'), explicit: true, keyFile: undefined }, logger)).rejects.toMatchObject({ code: 'feed_policy_needs_key', message: expect.stringMatching(/ONECODE_PSEUDONYM_KEY_FILE/) });
  });

  it('warns, without any value, when the policy was not set', async () => {
    const lines: string[] = [];
    const warned = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    await createFeedProtection({ policy: CLEAR_FEED_POLICY, explicit: false, keyFile: undefined }, warned);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: expect.stringMatching(/^no feed policy set: personal values .* in clear/) });
  });
});
