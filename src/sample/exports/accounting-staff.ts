/**
 * 会计人员 registry export: one row per registered accountant, GBK without BOM, LF.
 * Identifier dirt goes into 身份证号; 工作单位 sometimes contains a comma.
 */
import { csvText } from '../csv-writer.ts';
import { dateTime } from '../dates.ts';
import { RESIDENT_ID_INJECTION_KINDS, dirtyIdentifier, identifierKindApplies, type IdentifierInjectionKind } from '../dirty-values.ts';
import { allocateInjections, appendDuplicateRows, type InjectedCase, type InjectionKind } from '../injections.ts';
import type { BuiltExport, ExportContext, ExportLayout } from './sample-export.ts';

export const ACCOUNTING_STAFF_LAYOUT: ExportLayout = {
  system: 'accounting-staff',
  title: '会计人员',
  path: 'accounting-staff.gbk.csv',
  format: 'csv',
  encoding: 'gbk',
  bom: false,
  lineEnding: 'LF',
  columns: ['身份证号', '姓名', '性别', '出生日期', '手机号', '工作单位', '单位统一社会信用代码', '从业资格', '更新时间'],
};

/** 从业资格 values with their weights. */
const QUALIFICATIONS: ReadonlyArray<[string, number]> = [
  ['初级会计专业技术资格', 50],
  ['中级会计专业技术资格', 25],
  ['高级会计师', 5],
  ['注册会计师', 5],
  ['无', 15],
];
const QUALIFICATION_POOL = QUALIFICATIONS.flatMap(([q, w]) => Array<string>(w).fill(q));
const DEPARTMENTS = ['财务部', '会计科', '财务室', '计划财务部'];

/** Builds the accounting registry from the population's registry persons and their employers. */
export function buildAccountingStaff(context: ExportContext): BuiltExport {
  const { rng, population, runDay } = context;
  const layout = ACCOUNTING_STAFF_LAYOUT;
  const staff = population.accountingStaff;
  const plan = [
    ...RESIDENT_ID_INJECTION_KINDS.map((kind) => ({
      kind,
      eligible: (row: number) => identifierKindApplies(kind, staff[row]!.idNumber, 'residentId'),
    })),
    { kind: 'commaInField' as const },
  ];
  const assigned = allocateInjections(rng.fork('allocate'), staff.length, plan);
  const cases: InjectedCase[] = [];
  const records = staff.map((person, i): string[] => {
    const employer = population.employers.get(person.index)!;
    let id = person.idNumber;
    let workplace = employer.name;
    const kind = assigned[i];
    if (kind === 'commaInField') {
      workplace = `${employer.name}, ${rng.pick(DEPARTMENTS)}`;
      cases.push({ kind, system: layout.system, row: i + 1, field: '工作单位', dirty: workplace, clean: employer.name });
    } else if (kind !== undefined) {
      const dirty = dirtyIdentifier(rng, kind as IdentifierInjectionKind, id, 'residentId');
      cases.push({ kind, system: layout.system, row: i + 1, field: '身份证号', dirty: dirty.value, clean: id, ...(dirty.form ? { form: dirty.form } : {}) });
      id = dirty.value;
    }
    return [
      id,
      person.name,
      person.sex === 'male' ? '男' : '女',
      person.birthDate,
      person.mobile,
      workplace,
      employer.uscc,
      rng.pick(QUALIFICATION_POOL),
      dateTime(runDay - rng.between(1, 730), rng.between(8 * 3600, 19 * 3600 - 1)),
    ];
  });
  const rows = appendDuplicateRows(rng.fork('duplicates'), records, (i) => assigned[i] === undefined, layout.system, cases);
  const kinds: InjectionKind[] = [...plan.map((p) => p.kind), 'duplicateRow'];
  return { layout, text: csvText(layout.columns, rows, layout.lineEnding), rows: rows.length, kinds, cases };
}
