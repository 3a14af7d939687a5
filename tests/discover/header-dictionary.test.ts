/**
 * The header dictionary of `onecode discover` (src/discover/header-dictionary.ts): the headers
 * departmental systems use, in Chinese, pinyin initials and English, each to its meaning.
 */
import { describe, expect, it } from 'vitest';
import { duplicateNames, lookupHeader, normalizeHeader } from '../../src/discover/header-dictionary.ts';

/** Headers from issue 9 and from common government schemas, with the meaning each must have. */
const HEADERS: Array<[string, string]> = [
  ['身份证号', 'id_number'], ['身份证号码', 'id_number'], ['公民身份号码', 'id_number'], ['居民身份证号', 'id_number'],
  ['sfzh', 'id_number'], ['sfzhm', 'id_number'], ['gmsfhm', 'id_number'], ['id_card', 'id_number'], ['id_no', 'id_number'],
  ['证件号码', 'certificate_number'], ['zjhm', 'certificate_number'],
  ['统一社会信用代码', 'uscc'], ['信用代码', 'uscc'], ['tyshxydm', 'uscc'], ['shxydm', 'uscc'], ['uscc', 'uscc'], ['credit_code', 'uscc'],
  ['组织机构代码', 'org_code'], ['zzjgdm', 'org_code'],
  ['工商注册号', 'business_reg_no'], ['注册号', 'business_reg_no'], ['gszch', 'business_reg_no'],
  ['姓名', 'name'], ['xm', 'name'], ['名称', 'name'], ['单位名称', 'name'], ['机构名称', 'name'], ['企业名称', 'name'], ['mc', 'name'], ['dwmc', 'name'], ['name', 'name'],
  ['性别', 'sex'], ['xb', 'sex'], ['sex', 'sex'], ['gender', 'sex'],
  ['出生日期', 'birth_date'], ['csrq', 'birth_date'], ['birthday', 'birth_date'],
  ['手机号', 'phone'], ['联系电话', 'phone'], ['电话', 'phone'], ['sjh', 'phone'], ['lxdh', 'phone'], ['mobile', 'phone'], ['phone', 'phone'],
  ['工作单位', 'employer_name'], ['gzdw', 'employer_name'],
  ['单位统一社会信用代码', 'employer_uscc'],
  ['法定代表人', 'legal_representative'], ['法人代表', 'legal_representative'], ['fddbr', 'legal_representative'],
  ['法定代表人身份证号', 'legal_representative_id_number'], ['fddbrsfzh', 'legal_representative_id_number'],
  ['地址', 'address'], ['住址', 'address'], ['注册地址', 'address'], ['dz', 'address'], ['zz', 'address'], ['address', 'address'],
  ['更新时间', 'updated_at'], ['gxsj', 'updated_at'], ['updated_at', 'updated_at'], ['last_modified', 'updated_at'],
  ['删除标志', 'delete_flag'], ['scbz', 'delete_flag'], ['is_deleted', 'delete_flag'], ['sfsc', 'delete_flag'],
  ['有效标志', 'valid_flag'], ['yxbz', 'valid_flag'],
  ['银行卡号', 'bank_account'], ['银行账号', 'bank_account'], ['密码', 'password'], ['password', 'password'],
  ['流水号', 'transaction_serial'], ['编号', 'row_key'], ['id', 'row_key'],
];

describe('the dictionary', () => {
  it.each(HEADERS)('%s means %s', (header, meaning) => {
    expect(lookupHeader(header)?.entry.meaning).toBe(meaning);
  });

  it('lists no name under two meanings', () => {
    expect(duplicateNames()).toEqual([]);
  });

  it('says whose code or name a column holds where the field follows the entity', () => {
    expect(lookupHeader('姓名')?.entry.describes).toBe('person');
    expect(lookupHeader('单位名称')?.entry.describes).toBe('organisation');
    expect(lookupHeader('name')?.entry.describes).toBeUndefined();
    expect(lookupHeader('sfzh')?.entry.describes).toBe('person');
    expect(lookupHeader('tyshxydm')?.entry.describes).toBe('organisation');
  });
});

describe('header normalisation', () => {
  it.each([
    ['SFZH', 'sfzh'], ['ＳＦＺＨ', 'sfzh'], ['Id_Card', 'idcard'], ['id-card', 'idcard'], ['idCard', 'idcard'], [' 姓 名 ', '姓名'],
    ['姓名（必填）', '姓名'], ['sfzh(18位)', 'sfzh'], ['*姓名', '姓名'], ['更新_时间', '更新时间'], ['last.modified', 'lastmodified'],
  ])('%s → %s', (header, normalised) => {
    expect(normalizeHeader(header)).toBe(normalised);
  });
});

describe('matching', () => {
  it('a Chinese header ending with an identifier name matches it', () => {
    expect(lookupHeader('职工身份证号码')).toMatchObject({ entry: { meaning: 'id_number' }, name: '身份证号码', how: 'suffix' });
    expect(lookupHeader('企业统一社会信用代码')).toMatchObject({ entry: { meaning: 'uscc' }, how: 'suffix' });
    expect(lookupHeader('发放流水号')).toMatchObject({ entry: { meaning: 'transaction_serial' }, how: 'suffix' });
  });

  it('longer exact names win over their endings', () => {
    expect(lookupHeader('单位统一社会信用代码')?.entry.meaning).toBe('employer_uscc');
    expect(lookupHeader('法定代表人身份证号码')?.entry.meaning).toBe('legal_representative_id_number');
  });

  it('ends of free-text names do not match (地址 is no suffix name)', () => {
    expect(lookupHeader('电子邮件地址')).toBeUndefined();
    expect(lookupHeader('从业资格')).toBeUndefined();
  });

  it('id-shaped headers are row keys', () => {
    for (const h of ['supplier_id', 'staffId', 'STAFF-ID', '人员编号']) expect(lookupHeader(h)?.entry.meaning).toBe('row_key');
    for (const h of ['paid', 'valid']) expect(lookupHeader(h)?.entry.meaning).not.toBe('row_key');
  });
});
