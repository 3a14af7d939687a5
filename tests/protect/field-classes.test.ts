/**
 * The class of every value of a change event (src/protect/field-classes.ts): defaults per subject,
 * a pipeline's classification overriding them, golden fields by the strictest of the pipelines
 * that map them, and what a run records beside the outbox (src/outbox/event-classes.ts) read back.
 */
import { describe, expect, it } from 'vitest';
import { PipelineConfig, type Pipeline } from '../../schemas/pipeline.ts';
import { eventClassesOf } from '../../src/outbox/event-classes.ts';
import { defaultClass, goldenFieldClasses, pipelineEventClasses, PipelineEventClasses, recordClasses, recordedFieldClass, strictest } from '../../src/protect/field-classes.ts';

/** A pipeline as loaded from YAML (defaults applied). */
function pipeline(config: Record<string, unknown>): Pipeline {
  return { ...PipelineConfig.parse({ system: 'S', connector: { kind: 'csv', path: 'x.csv' }, ...config }), file: '/x.yaml' };
}

const persons = (classification: Record<string, string> = {}, name = 'people') =>
  pipeline({ name, entity: 'person', mapping: { id_number: '身份证号', name: '姓名', phone: '手机', employer_name: '单位' }, source_key: ['身份证号'], classification });
const agencies = (classification: Record<string, string> = {}, name = 'agencies') =>
  pipeline({ name, entity: 'legal_person', mapping: { uscc: '代码', name: '名称', legal_representative: '法人', address: '地址' }, source_key: ['代码'], classification });
const payments = (classification: Record<string, string> = {}) =>
  pipeline({ name: 'payments', entity: 'record', mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['流水号'], classification });

describe('default classes', () => {
  it('the personal fields are personal, but a legal person\'s name is public; codes of legal persons are public', () => {
    for (const f of ['id_number', 'name', 'phone', 'address', 'birth_date', 'legal_representative', 'legal_representative_id_number']) expect(defaultClass('person', f), f).toBe('personal');
    expect(defaultClass('legal_person', 'name')).toBe('public');
    expect(defaultClass('legal_person', 'legal_representative_id_number')).toBe('personal');
    expect(defaultClass('legal_person', 'address')).toBe('personal');
    expect(defaultClass('legal_person', 'uscc')).toBe('public');
    expect(defaultClass('person', 'employer_uscc')).toBe('public');
    expect(defaultClass('person', 'sex')).toBe('internal');
    expect(defaultClass('person', 'region_code')).toBe('internal');
    expect(defaultClass('legal_person', 'region_code')).toBe('public');
    expect(defaultClass('person', 'anything_else')).toBe('internal');
    expect(defaultClass('person', '__proto__')).toBe('internal');
  });

  it('strictest: personal over internal over public', () => {
    expect(strictest(['public', 'personal', 'internal'])).toBe('personal');
    expect(strictest(['public', 'internal'])).toBe('internal');
    expect(strictest([])).toBeUndefined();
  });
});

describe('a pipeline\'s classes', () => {
  it('golden fields it maps: its classification overrides the default', () => {
    const doc = pipelineEventClasses(persons({ 姓名: 'public', 手机: 'internal' }));
    expect(doc.golden).toEqual([
      { field: 'id_number', class: 'personal' },
      { field: 'name', class: 'public' },
      { field: 'phone', class: 'internal' },
      { field: 'employer_name', class: 'internal' },
    ]);
    expect(doc.record).toBeNull();
    // A legal person's name is public unless its pipeline says otherwise (a registry of sole proprietorships).
    expect(pipelineEventClasses(agencies()).golden.find((g) => g.field === 'name')!.class).toBe('public');
    expect(pipelineEventClasses(agencies({ 名称: 'personal' })).golden.find((g) => g.field === 'name')!.class).toBe('personal');
  });

  it('record pipelines: mapped columns take their field\'s class and kind, classified ones their class, the rest personal (fail closed)', () => {
    const r = recordClasses(pipelineEventClasses(payments({ 银行账号: 'personal', 备注: 'public', 密码: 'secret' })));
    expect(r.code).toEqual({ class: 'personal', kind: 'id_number' });
    expect(r.field('身份证号')).toEqual({ class: 'personal', kind: 'id_number' });
    expect(r.field('姓名')).toEqual({ class: 'personal', kind: 'person_name' });
    expect(r.field('银行账号')).toEqual({ class: 'personal', kind: null });
    expect(r.field('备注')).toEqual({ class: 'public', kind: null });
    // Neither mapped nor classified: personal, so a column a schema change brings leaves protected.
    expect(r.field('金额')).toEqual({ class: 'personal', kind: null });
    expect(r.field('__proto__')).toEqual({ class: 'personal', kind: null });
    const declared = recordClasses(pipelineEventClasses(payments({ 金额: 'internal', 备注: 'public' })));
    expect(declared.field('金额')).toEqual({ class: 'internal', kind: null });
    expect(declared.field('备注')).toEqual({ class: 'public', kind: null });
    // The source key (流水号, unclassified) is personal; declared internal, it is internal.
    expect(r.sourceKey).toEqual({ class: 'personal', kind: null });
    expect(recordClasses(pipelineEventClasses(payments({ 流水号: 'internal' }))).sourceKey).toEqual({ class: 'internal', kind: null });
    const keyed = pipeline({ name: 'k', entity: 'record', mapping: { id_number: '身份证号' }, source_key: ['身份证号', '年度'] });
    expect(recordClasses(pipelineEventClasses(keyed)).sourceKey).toEqual({ class: 'personal', kind: null });
  });

  it('a record pipeline may declare its name column public; about a legal person, a name is public already', () => {
    expect(recordClasses(pipelineEventClasses(payments({ 姓名: 'public' }))).field('姓名')).toEqual({ class: 'public', kind: 'person_name' });
    const orgRecords = pipeline({ name: 'o', entity: 'record', mapping: { uscc: '代码', name: '名称' }, source_key: ['编号'] });
    const r = recordClasses(pipelineEventClasses(orgRecords));
    expect(r.code).toEqual({ class: 'public', kind: null });
    expect(r.field('名称')).toEqual({ class: 'public', kind: null });
  });

  it("the class of a source record's canonical field, per pipeline (the export's and analysts' records): its declaration, else the field's default", () => {
    const orgRecords = (classification: Record<string, string> = {}) =>
      PipelineEventClasses.parse(JSON.parse(JSON.stringify(pipelineEventClasses(pipeline({ name: 'o', entity: 'record', mapping: { uscc: '代码', name: '名称', address: '地址' }, source_key: ['编号'], classification })))));
    expect(recordedFieldClass(orgRecords(), 'legal_person', 'name')).toEqual({ class: 'public', kind: null });
    expect(recordedFieldClass(orgRecords({ 名称: 'personal' }), 'legal_person', 'name')).toEqual({ class: 'personal', kind: null });
    expect(recordedFieldClass(orgRecords({ 地址: 'public' }), 'legal_person', 'address')).toEqual({ class: 'public', kind: 'address' });
    expect(recordedFieldClass(orgRecords(), 'legal_person', 'address')).toEqual({ class: 'personal', kind: 'address' });
    // not mapped: the field's default; a person or legal-person pipeline: its golden entries
    expect(recordedFieldClass(orgRecords(), 'legal_person', 'updated_at')).toEqual({ class: 'internal', kind: null });
    expect(recordedFieldClass(PipelineEventClasses.parse(pipelineEventClasses(agencies({ 名称: 'personal' }))), 'legal_person', 'name')!.class).toBe('personal');
    // nothing recorded, or recorded before canonical fields were: the caller decides
    expect(recordedFieldClass(undefined, 'legal_person', 'name')).toBeUndefined();
    const { canonical: _, ...old } = orgRecords().record!;
    expect(recordedFieldClass({ ...orgRecords(), record: old }, 'legal_person', 'name')).toBeUndefined();
  });

  it('a column named __proto__ keeps its class through the stored document', () => {
    const p = pipeline({ name: 'p', entity: 'record', mapping: { id_number: '身份证号' }, source_key: ['编号'], classification: JSON.parse('{"__proto__": "personal"}') });
    const stored = PipelineEventClasses.parse(JSON.parse(JSON.stringify(pipelineEventClasses(p))));
    expect(recordClasses(stored).field('__proto__')).toEqual({ class: 'personal', kind: null });
  });
});

describe('golden fields across pipelines', () => {
  it('the strictest class of the pipelines that map a field; a field none maps keeps its default', () => {
    const loose = PipelineEventClasses.parse(pipelineEventClasses(persons({ 姓名: 'public' }, 'a')));
    const strict = PipelineEventClasses.parse(pipelineEventClasses(persons({ 单位: 'personal' }, 'b')));
    const one = goldenFieldClasses('person', [loose]);
    expect(one.get('name')).toEqual({ class: 'public', kind: 'person_name' });
    expect(one.get('employer_name')!.class).toBe('internal');
    expect(one.get('birth_date')).toEqual({ class: 'personal', kind: 'birth_date' });
    const both = goldenFieldClasses('person', [loose, strict]);
    expect(both.get('name')!.class).toBe('personal');
    expect(both.get('employer_name')!.class).toBe('personal');
    // Legal persons' pipelines do not change persons' fields.
    expect(goldenFieldClasses('person', [PipelineEventClasses.parse(pipelineEventClasses(agencies({ 法人: 'public' })))]).get('name')!.class).toBe('personal');
    expect(goldenFieldClasses('legal_person', [PipelineEventClasses.parse(pipelineEventClasses(agencies({ 法人: 'public' })))]).get('legal_representative')).toEqual({ class: 'public', kind: 'person_name' });
  });

  it('record events of a pipeline nothing was recorded of are personal throughout', () => {
    const classes = eventClassesOf(new Map());
    const r = classes.record('never-ran');
    expect(r.code.class).toBe('personal');
    expect(r.sourceKey.class).toBe('personal');
    expect(r.field('金额').class).toBe('personal');
    expect(classes.golden('legal_person').get('name')!.class).toBe('public');
  });
});
