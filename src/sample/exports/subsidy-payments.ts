/**
 * 惠民惠农补贴 payment export: one row per payment keyed by 发放流水号, UTF-8 without BOM, LF.
 * Identifier dirt goes into 身份证号; 姓名 is sometimes a name variant of a registry person;
 * 银行账号 sometimes has leading zeros; 发放日期 is sometimes in a non-ISO form (Excel serial
 * day number included).
 */
import { csvText } from '../csv-writer.ts';
import { isoDate } from '../dates.ts';
import {
  RESIDENT_ID_INJECTION_KINDS,
  dirtyIdentifier,
  identifierKindApplies,
  nonIsoDate,
  type IdentifierInjectionKind,
} from '../dirty-values.ts';
import { allocateInjections, appendDuplicateRows, type InjectedCase, type InjectionKind } from '../injections.ts';
import { nameVariant } from '../names.ts';
import type { Person } from '../people.ts';
import { SUBSIDY_RECIPIENTS_IN_REGISTRY } from '../population.ts';
import type { Prng } from '../prng.ts';
import type { BuiltExport, ExportContext, ExportLayout } from './sample-export.ts';

export const SUBSIDY_PAYMENTS_LAYOUT: ExportLayout = {
  system: 'subsidy-payments',
  title: '惠民惠农补贴',
  path: 'subsidy-payments.csv',
  format: 'csv',
  encoding: 'utf-8',
  bom: false,
  lineEnding: 'LF',
  columns: ['发放流水号', '身份证号', '姓名', '补贴项目', '发放金额', '银行账号', '发放日期', '行政区划'],
};

const SUBSIDY_PROGRAMMES = [
  '耕地地力保护补贴',
  '农机购置补贴',
  '城乡居民基本养老保险',
  '高龄津贴',
  '残疾人两项补贴',
  '生态公益林补偿',
  '城乡居民最低生活保障',
  '特困人员救助供养',
  '农村危房改造补助',
  '渔业油价补贴',
];

/** Prefix of 发放流水号; row n is this + n zero-padded to 10 digits. */
export const PAYMENT_SERIAL_PREFIX = 'HMHN';

const randomDigits = (rng: Prng, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.below(10));
  return s;
};

/** A 19-digit debit card number starting `62`. */
const cardNumber = (rng: Prng): string => `62${randomDigits(rng, 17)}`;

/** A 12-digit passbook account with 1–4 leading zeros, e.g. `000123456789`. */
const leadingZeroAccount = (rng: Prng): string => {
  const zeros = rng.between(1, 4);
  return '0'.repeat(zeros) + String(rng.between(1, 9)) + randomDigits(rng, 11 - zeros);
};

/** Builds the payment records; about half go to persons of the accounting registry. */
export function buildSubsidyPayments(context: ExportContext): BuiltExport {
  const { rng, population, runDay } = context;
  const layout = SUBSIDY_PAYMENTS_LAYOUT;
  const system = layout.system;
  const pickRecipients = rng.fork('recipients');
  const recipients: Person[] = Array.from({ length: population.subsidyPayments }, () =>
    pickRecipients.chance(SUBSIDY_RECIPIENTS_IN_REGISTRY) || population.others.length === 0
      ? pickRecipients.pick(population.accountingStaff)
      : pickRecipients.pick(population.others),
  );
  const plan = [
    ...RESIDENT_ID_INJECTION_KINDS.map((kind) => ({
      kind,
      eligible: (row: number) => identifierKindApplies(kind, recipients[row]!.idNumber, 'residentId'),
    })),
    { kind: 'nameVariant' as const, eligible: (row: number) => population.inRegistry(recipients[row]!) },
    { kind: 'leadingZeroAccount' as const },
    { kind: 'nonIsoDate' as const },
  ];
  const assigned = allocateInjections(rng.fork('allocate'), recipients.length, plan);
  const cases: InjectedCase[] = [];
  const records = recipients.map((person, i): string[] => {
    const row = i + 1;
    const kind = assigned[i];
    let id = person.idNumber;
    let name = person.name;
    let account = cardNumber(rng);
    const payDay = runDay - rng.between(1, 730);
    let date = isoDate(payDay);
    switch (kind) {
      case undefined:
        break;
      case 'nameVariant': {
        const variant = nameVariant(person.name, rng);
        cases.push({ kind, system, row, field: '姓名', dirty: variant.name, clean: person.name, form: variant.form });
        name = variant.name;
        break;
      }
      case 'leadingZeroAccount':
        account = leadingZeroAccount(rng);
        cases.push({ kind, system, row, field: '银行账号', dirty: account });
        break;
      case 'nonIsoDate': {
        const written = nonIsoDate(rng, payDay);
        date = written.value;
        cases.push({ kind, system, row, field: '发放日期', dirty: date, clean: isoDate(payDay), form: written.form });
        break;
      }
      default: {
        const dirty = dirtyIdentifier(rng, kind as IdentifierInjectionKind, id, 'residentId');
        cases.push({ kind, system, row, field: '身份证号', dirty: dirty.value, clean: id, ...(dirty.form ? { form: dirty.form } : {}) });
        id = dirty.value;
      }
    }
    const cents = rng.between(5_000, 500_000);
    const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    return [
      PAYMENT_SERIAL_PREFIX + String(row).padStart(10, '0'),
      id,
      name,
      rng.pick(SUBSIDY_PROGRAMMES),
      amount,
      account,
      date,
      person.region.code,
    ];
  });
  const rows = appendDuplicateRows(rng.fork('duplicates'), records, (i) => assigned[i] === undefined, system, cases);
  const kinds: InjectionKind[] = [...plan.map((p) => p.kind), 'duplicateRow'];
  return { layout, text: csvText(layout.columns, rows, layout.lineEnding), rows: rows.length, kinds, cases };
}
