/**
 * 会计人员 registry export: one row per registered accountant, GBK without BOM, LF.
 * Identifier dirt goes into 身份证号; 工作单位 sometimes contains a comma. 性别 (`男`/`女`) and
 * 出生日期 (ISO) agree with the identity number except on the rows of `statedSexMismatch` and
 * `statedBirthDateMismatch`, whose identity number is clean; on `nonIsoDate` rows 出生日期 is
 * the right day in another form (Excel serial included). 更新时间 is always
 * `YYYY-MM-DD HH:MM:SS`.
 */
import { csvText } from '../csv-writer.ts';
import { dateTime } from '../dates.ts';
import {
  RESIDENT_ID_INJECTION_KINDS,
  dirtyIdentifier,
  identifierKindApplies,
  nonIsoDate,
  otherSex,
  withBirthDateMismatch,
  type IdentifierInjectionKind,
} from '../dirty-values.ts';
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
    { kind: 'statedSexMismatch' as const },
    { kind: 'statedBirthDateMismatch' as const },
    { kind: 'nonIsoDate' as const },
  ];
  const assigned = allocateInjections(rng.fork('allocate'), staff.length, plan);
  const cases: InjectedCase[] = [];
  const records = staff.map((person, i): string[] => {
    const employer = population.employers.get(person.index)!;
    const system = layout.system;
    const row = i + 1;
    let id = person.idNumber;
    let workplace = employer.name;
    const trueSex = person.sex === 'male' ? '男' : '女';
    let sex: string = trueSex;
    let birthDate = person.birthDate;
    const kind = assigned[i];
    switch (kind) {
      case undefined:
        break;
      case 'commaInField':
        workplace = `${employer.name}, ${rng.pick(DEPARTMENTS)}`;
        cases.push({ kind, system, row, field: '工作单位', dirty: workplace, clean: employer.name });
        break;
      case 'statedSexMismatch':
        sex = otherSex(trueSex);
        cases.push({ kind, system, row, field: '性别', dirty: sex, clean: trueSex });
        break;
      case 'statedBirthDateMismatch': {
        const stated = withBirthDateMismatch(rng, person.birthDay);
        birthDate = stated.value;
        cases.push({ kind, system, row, field: '出生日期', dirty: birthDate, clean: person.birthDate, form: stated.form });
        break;
      }
      case 'nonIsoDate': {
        const written = nonIsoDate(rng, person.birthDay);
        birthDate = written.value;
        cases.push({ kind, system, row, field: '出生日期', dirty: birthDate, clean: person.birthDate, form: written.form });
        break;
      }
      default: {
        const dirty = dirtyIdentifier(rng, kind as IdentifierInjectionKind, id, 'residentId');
        cases.push({ kind, system, row, field: '身份证号', dirty: dirty.value, clean: id, ...(dirty.form ? { form: dirty.form } : {}) });
        id = dirty.value;
      }
    }
    return [
      id,
      person.name,
      sex,
      birthDate,
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
