/**
 * 会计人员继续教育学时登记: the workbook a training office keeps by hand, one row per training
 * record keyed by 登记编号, for persons of the accounting registry. Sheet `学时登记` has a merged
 * title on row 1 and its header on row 2; a second sheet `填表说明` holds notes. The dirt is what
 * Excel and the people typing into it make:
 * - 身份证号 mostly text (style `@`), but some number cells: all 18 digits stored
 *   (`idNumberAsNumber`, read as written) or cut to Excel's 15 significant digits
 *   (`idPrecisionLost`, `3.50102198503171E+17`: quarantined `xlsx_number_precision_lost`, see
 *   docs/xlsx-values.md); an `x` check character in lower case (`lowerCase`);
 * - 培训日期 a date cell (serial, built-in format 14), sometimes text `2025年3月1日` (`dateAsText`);
 *   登记时间 a date-time cell (`yyyy-mm-dd hh:mm:ss`);
 * - 学时 a number cell (`12.5`), sometimes text `12.50` (`numberAsText`);
 * - an empty sheet row between data rows (`blankRow`), and exact repeats of rows (`duplicateRow`).
 */
import { chineseDate, EXCEL_EPOCH_DAY, isoDate } from '../dates.ts';
import { allocateInjections, appendDuplicateRows, type InjectedCase, type InjectionKind } from '../injections.ts';
import type { Person } from '../people.ts';
import { cell, row, si, type WorkbookSpec } from '../../xlsx/write-xlsx.ts';
import type { BuiltExport, ExportContext, ExportLayout } from './sample-export.ts';

export const CONTINUING_EDUCATION_LAYOUT: ExportLayout = {
  system: 'continuing-education',
  title: '会计人员继续教育学时登记',
  path: 'continuing-education.xlsx',
  format: 'xlsx',
  encoding: 'utf-8',
  bom: false,
  lineEnding: 'LF',
  columns: ['登记编号', '身份证号', '姓名', '培训项目', '学时', '培训日期', '登记时间'],
  sheet: '学时登记',
  headerRow: 2,
};

/** Training records per person of the accounting registry (rounded to a whole count). */
export const TRAINING_RECORDS_PER_STAFF = 2;

/** Prefix of 登记编号; data row n is this + n zero-padded to 6 digits. */
export const TRAINING_RECORD_PREFIX = 'JXJY-';

const PROGRAMMES = [
  '企业会计准则解读',
  '政府会计制度',
  '管理会计应用指引',
  '税收政策解读',
  '内部控制规范',
  '财务数字化转型',
  '会计职业道德',
  '预算绩效管理',
];

/** Hours of one training, as Excel stores them (shortest decimal text). */
const HOURS = ['2', '4', '6', '8', '10', '12', '12.5', '16', '24', '36'];

/** Cell styles (indices into cellXfs): general, text `@` (49), date (14), date-time (164). */
const STYLE = { general: 0, text: 1, date: 2, dateTime: 3 } as const;
const CELL_XFS = [0, 49, 14, 164];
const NUM_FMTS = { 164: 'yyyy-mm-dd hh:mm:ss' };

const NOTES = [
  '填表说明',
  '1. 每参加一次继续教育培训登记一行，登记编号由培训科统一编制。',
  '2. 身份证号请按文本格式录入，末位为X的请用大写。',
  '3. 学时按培训通知所列学时填写，可保留一位小数。',
  '4. 培训日期为培训结束日期。',
];

/**
 * Text Excel writes for an 18-digit number it holds as a double shown to 15 significant digits:
 * `350102198503170015` → `3.50102198503170E+17` with trailing zeros of the mantissa dropped
 * (`3.5010219850317E+17`). Rounds half up at the 15th digit.
 */
export function excelFifteenDigits(digits: string): string {
  const n = BigInt(digits);
  const scale = 10n ** BigInt(digits.length - 15);
  const kept = ((n + scale / 2n) / scale).toString();
  const exponent = digits.length - 1 + (kept.length - 15);
  const fraction = kept.slice(1).replace(/0+$/, '');
  return `${kept[0]}${fraction ? `.${fraction}` : ''}E+${exponent}`;
}

/** `12.50`, `1,171.00`: a figure typed as text with two decimals and thousands separators. */
export function figureAsText(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  return `${whole!.replace(/\B(?=(\d{3})+$)/g, ',')}.${fraction.padEnd(2, '0')}`;
}

/** One data row before it is written: each value with how its cell is written. */
interface TrainingCell {
  /** The shared string, or the number cell's stored `<v>` text. */
  text: string;
  as: 'string' | 'number';
  /** Index into the workbook's cellXfs. */
  style: number;
}

interface TrainingRow {
  values: TrainingCell[];
  /** An empty sheet row comes before this one. */
  blankBefore: boolean;
}

/** Builds the workbook's training records, two per registry person on average. */
export function buildContinuingEducation(context: ExportContext): BuiltExport {
  const { rng, population, runDay } = context;
  const layout = CONTINUING_EDUCATION_LAYOUT;
  const system = layout.system;
  const pick = rng.fork('persons');
  const count = Math.round(TRAINING_RECORDS_PER_STAFF * population.accountingStaff.length);
  const persons: Person[] = Array.from({ length: count }, () => pick.pick(population.accountingStaff));
  const plan = [
    { kind: 'lowerCase' as const, eligible: (i: number) => persons[i]!.idNumber.endsWith('X') },
    { kind: 'idNumberAsNumber' as const, eligible: (i: number) => /\d$/.test(persons[i]!.idNumber) && !persons[i]!.idNumber.endsWith('000') },
    { kind: 'idPrecisionLost' as const, eligible: (i: number) => /\d$/.test(persons[i]!.idNumber) },
    { kind: 'dateAsText' as const },
    { kind: 'numberAsText' as const },
    { kind: 'blankRow' as const, eligible: (i: number) => i > 0 },
  ];
  const assigned = allocateInjections(rng.fork('allocate'), count, plan);
  const cases: InjectedCase[] = [];
  const text = (t: string, style: number = STYLE.general): TrainingCell => ({ text: t, as: 'string', style });
  const number = (t: string, style: number = STYLE.general): TrainingCell => ({ text: t, as: 'number', style });

  const records = persons.map((person, i): TrainingRow => {
    const r = i + 1;
    const kind = assigned[i];
    const trainDay = runDay - rng.between(15, 380);
    const registeredDay = trainDay + rng.between(0, 14);
    const second = rng.between(8 * 3600 + 1800, 18 * 3600);
    const hours = rng.pick(HOURS);
    let id = text(person.idNumber, STYLE.text);
    let hoursCell = number(hours);
    let dateCell = number(String(trainDay - EXCEL_EPOCH_DAY), STYLE.date);
    switch (kind) {
      case 'lowerCase':
        id = text(person.idNumber.toLowerCase(), STYLE.text);
        cases.push({ kind, system, row: r, field: '身份证号', dirty: id.text, clean: person.idNumber });
        break;
      case 'idNumberAsNumber':
        id = number(person.idNumber);
        cases.push({ kind, system, row: r, field: '身份证号', dirty: id.text, clean: person.idNumber });
        break;
      case 'idPrecisionLost':
        id = number(excelFifteenDigits(person.idNumber));
        cases.push({ kind, system, row: r, field: '身份证号', dirty: id.text, clean: person.idNumber });
        break;
      case 'dateAsText':
        dateCell = text(chineseDate(trainDay));
        cases.push({ kind, system, row: r, field: '培训日期', dirty: dateCell.text, clean: isoDate(trainDay) });
        break;
      case 'numberAsText':
        hoursCell = text(figureAsText(hours));
        cases.push({ kind, system, row: r, field: '学时', dirty: hoursCell.text, clean: hours });
        break;
      case 'blankRow':
        cases.push({ kind, system, row: r });
        break;
      case undefined:
        break;
      default:
        throw new Error(`continuing-education: ${kind} is not in the plan`);
    }
    return {
      blankBefore: kind === 'blankRow',
      values: [
        text(TRAINING_RECORD_PREFIX + String(r).padStart(6, '0')),
        id,
        text(person.name),
        text(rng.pick(PROGRAMMES)),
        hoursCell,
        dateCell,
        number(String(registeredDay - EXCEL_EPOCH_DAY + second / 86_400), STYLE.dateTime),
      ],
    };
  });
  // Repeats are clean rows (no blank row before them) pasted again at the end.
  const rows = appendDuplicateRows(rng.fork('duplicates'), records, (i) => assigned[i] === undefined, system, cases);
  const kinds: InjectionKind[] = [...plan.map((p) => p.kind), 'duplicateRow'];
  return { layout, workbook: trainingWorkbook(rows), rows: rows.length, kinds, cases };
}

const COLUMN_LETTERS = 'ABCDEFG';

/** The workbook: shared strings in first-use order, the data sheet, then the notes sheet. */
function trainingWorkbook(records: readonly TrainingRow[]): WorkbookSpec {
  const strings = new Map<string, number>();
  const shared = (t: string): number => {
    let index = strings.get(t);
    if (index === undefined) strings.set(t, (index = strings.size));
    return index;
  };
  const title = '会计人员继续教育学时登记表';
  const header = CONTINUING_EDUCATION_LAYOUT.columns;
  const dataRows: string[] = [
    row(1, [cell.s('A1', shared(title))]),
    row(2, header.map((name, c) => cell.s(`${COLUMN_LETTERS[c]}2`, shared(name)))),
  ];
  let sheetRow = 2;
  for (const r of records) {
    if (r.blankBefore) sheetRow++;
    sheetRow++;
    dataRows.push(
      row(
        sheetRow,
        r.values.map((v, c) => {
          const ref = `${COLUMN_LETTERS[c]}${sheetRow}`;
          return v.as === 'number' ? cell.n(ref, v.text, v.style || undefined) : cell.s(ref, shared(v.text), v.style || undefined);
        }),
      ),
    );
  }
  const notes = NOTES.map((line, i) => row(i + 1, [cell.s(`A${i + 1}`, shared(line))]));
  return {
    sheets: [
      { name: CONTINUING_EDUCATION_LAYOUT.sheet!, rows: dataRows, merges: ['A1:G1'] },
      { name: '填表说明', rows: notes },
    ],
    sharedStrings: [...strings.keys()].map(si),
    numFmts: NUM_FMTS,
    cellXfs: CELL_XFS,
  };
}
