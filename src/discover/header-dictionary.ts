/**
 * The header dictionary of `onecode discover`: what a column's header says it holds, in the words
 * departmental systems use — Chinese names and their variants, the pinyin initials Chinese
 * government databases name columns with (`SFZH` 身份证号, `GMSFHM` 公民身份号码, `TYSHXYDM`
 * 统一社会信用代码, as in the GA/T 543 public-security data elements), and English.
 *
 * One table, one entry per meaning. A header is normalised ({@link normalizeHeader}) and compared
 * with every name of every entry, normalised the same way; the names of an entry marked `suffix`
 * also match as the end of a Chinese header (`职工身份证号码` ends with `身份证号码`). A header
 * nobody lists matches nothing: the column's values may still propose a field (guess-mapping.ts).
 *
 * What an entry's `meaning` is:
 * - a canonical field (schemas/canonical.ts). With `describes`, the column identifies or names a
 *   person or an organisation, and the field follows the pipeline's entity (guess-mapping.ts): a
 *   person's ID number is `id_number` in a person source and `legal_representative_id_number` in a
 *   legal-person one; an organisation's name is `name` in a legal-person source and
 *   `employer_name` in a person one.
 * - `certificate_number`: 证件号码 and the like, which hold a person's ID number or an
 *   organisation's code depending on the row: the column's values decide.
 * - `row_key`, `transaction_serial`: a column that identifies a row (`id`, 编号) or a business
 *   transaction (流水号), a source-key candidate; a transaction serial also says that a row is a
 *   business record, not a registry entry.
 * - `delete_flag`, `valid_flag`: a soft-delete mark (删除标志), or its inverse (有效标志: 0 means
 *   deleted), for `deleted_when`.
 * - `bank_account`, `password`: columns proposed as `secret` (never stored: propose-pipeline.ts).
 */
import type { CanonicalField } from '../../schemas/canonical.ts';

/** What a header can mean beyond a canonical field (module doc). */
export type HeaderRole = 'certificate_number' | 'row_key' | 'transaction_serial' | 'delete_flag' | 'valid_flag' | 'bank_account' | 'password';

/** One meaning and the headers that say it. */
export interface HeaderEntry {
  meaning: CanonicalField | HeaderRole;
  /** The column identifies or names a person or an organisation; the field then follows the entity (module doc). */
  describes?: 'person' | 'organisation';
  /** Chinese names, as written in headers. */
  zh: readonly string[];
  /** Pinyin initials (and full pinyin) as Chinese government databases name columns. */
  pinyin: readonly string[];
  /** English names, in snake_case (camelCase and other spellings normalise to the same). */
  en: readonly string[];
  /** The Chinese names also match as the end of a longer Chinese header. */
  suffix?: boolean;
}

/** The dictionary. Order matters only between entries sharing a name (none do: a test checks). */
export const HEADER_DICTIONARY: readonly HeaderEntry[] = [
  // Identifiers of persons and organisations (GB 11643-1999; GB 32100-2015; GB 11714-1997; GS 15-2006)
  {
    meaning: 'id_number', describes: 'person', suffix: true,
    zh: ['身份证号', '身份证号码', '身份证', '公民身份号码', '公民身份证号', '公民身份证号码', '居民身份证号', '居民身份证号码', '身份证件号码', '身份证编号'],
    pinyin: ['sfzh', 'sfzhm', 'sfz', 'gmsfhm', 'gmsfzh', 'jmsfzh', 'jmsfzhm', 'sfzjhm', 'shenfenzhenghao'],
    en: ['id_card', 'id_card_no', 'id_card_number', 'idcard', 'id_no', 'id_number', 'citizen_id', 'resident_id', 'identity_number', 'identity_card_number', 'national_id'],
  },
  {
    meaning: 'certificate_number',
    zh: ['证件号码', '证件号', '证件编号', '证照号码', '纳税人识别号', '主体代码', '主体证件号码'],
    pinyin: ['zjhm', 'zjh', 'zjbh', 'zzhm', 'nsrsbh', 'ztdm'],
    en: ['cert_no', 'certificate_no', 'certificate_number', 'document_number', 'taxpayer_id', 'tax_id'],
  },
  {
    meaning: 'uscc', describes: 'organisation', suffix: true,
    zh: ['统一社会信用代码', '社会信用代码', '信用代码', '统一信用代码', '统一代码'],
    pinyin: ['tyshxydm', 'shxydm', 'xydm', 'tyxydm', 'tydm'],
    en: ['uscc', 'usci', 'credit_code', 'social_credit_code', 'unified_social_credit_code', 'unified_code'],
  },
  {
    meaning: 'org_code', suffix: true,
    zh: ['组织机构代码', '机构代码', '组织代码'],
    pinyin: ['zzjgdm', 'jgdm', 'zzdm'],
    en: ['org_code', 'organization_code', 'organisation_code'],
  },
  {
    meaning: 'business_reg_no',
    zh: ['工商注册号', '注册号', '营业执照注册号', '营业执照号', '营业执照号码', '工商登记号'],
    pinyin: ['gszch', 'zch', 'yyzzzch', 'yyzzh', 'gsdjh'],
    en: ['reg_no', 'registration_no', 'registration_number', 'business_reg_no', 'business_registration_number', 'business_license_no'],
  },
  // Names
  {
    meaning: 'name', describes: 'person',
    zh: ['姓名', '人员姓名', '名字', '真实姓名', '职工姓名', '个人姓名', '当事人姓名', '申请人姓名', '领取人姓名', '收款人姓名'],
    pinyin: ['xm', 'xingming', 'ryxm', 'zgxm', 'grxm'],
    en: ['person_name', 'full_name', 'real_name', 'realname'],
  },
  {
    meaning: 'name', describes: 'organisation',
    zh: ['名称', '单位名称', '机构名称', '企业名称', '组织名称', '公司名称', '供应商名称', '纳税人名称', '主体名称', '市场主体名称', '组织机构名称'],
    pinyin: ['mc', 'dwmc', 'jgmc', 'qymc', 'zzmc', 'gsmc', 'gysmc', 'nsrmc', 'ztmc', 'zzjgmc'],
    en: ['org_name', 'organization_name', 'organisation_name', 'company_name', 'corp_name', 'enterprise_name', 'supplier_name'],
  },
  // The entity's own name: a person's in a person source, an organisation's in a legal-person one.
  { meaning: 'name', zh: [], pinyin: [], en: ['name'] },
  // Facts about a person
  { meaning: 'sex', zh: ['性别'], pinyin: ['xb', 'xbdm'], en: ['sex', 'gender'] },
  {
    meaning: 'birth_date',
    zh: ['出生日期', '出生年月', '出生年月日', '生日'],
    pinyin: ['csrq', 'csny'],
    en: ['birth_date', 'birthday', 'date_of_birth', 'dob', 'birthdate'],
  },
  {
    meaning: 'phone',
    zh: ['手机号', '手机号码', '手机', '联系电话', '电话', '电话号码', '联系方式', '移动电话', '联系手机', '固定电话'],
    pinyin: ['sjh', 'sjhm', 'lxdh', 'dh', 'dhhm', 'yddh', 'lxfs', 'lxsj', 'gddh'],
    en: ['mobile', 'mobile_phone', 'mobile_no', 'phone', 'phone_no', 'phone_number', 'tel', 'telephone', 'cellphone', 'contact_phone'],
  },
  {
    meaning: 'employer_name',
    zh: ['工作单位', '所在单位', '任职单位', '就职单位', '工作单位名称', '所在单位名称'],
    pinyin: ['gzdw', 'szdw', 'rzdw', 'gzdwmc', 'szdwmc'],
    en: ['employer', 'employer_name', 'work_unit', 'workplace'],
  },
  {
    meaning: 'employer_uscc',
    zh: ['单位统一社会信用代码', '单位社会信用代码', '单位信用代码', '工作单位统一社会信用代码', '所在单位统一社会信用代码'],
    pinyin: ['dwtyshxydm', 'dwshxydm', 'dwxydm', 'gzdwtyshxydm'],
    en: ['employer_uscc', 'employer_credit_code', 'company_uscc'],
  },
  // Facts about an organisation
  {
    meaning: 'legal_representative',
    zh: ['法定代表人', '法人代表', '法定代表人姓名', '法人', '法人姓名', '负责人', '法定代表人（负责人）', '负责人姓名'],
    pinyin: ['fddbr', 'frdb', 'fddbrxm', 'fr', 'frxm', 'fzr', 'fzrxm'],
    en: ['legal_representative', 'legal_rep', 'legal_rep_name', 'legal_representative_name', 'legal_person_name'],
  },
  {
    meaning: 'legal_representative_id_number',
    zh: ['法定代表人身份证号', '法定代表人身份证号码', '法定代表人证件号码', '法人身份证号', '法人身份证号码', '法人代表身份证号', '法人代表身份证号码', '负责人身份证号', '负责人身份证号码'],
    pinyin: ['fddbrsfzh', 'fddbrsfzhm', 'fddbrzjhm', 'frsfzh', 'frsfzhm', 'frdbsfzh', 'fzrsfzh'],
    en: ['legal_rep_id', 'legal_rep_id_no', 'legal_rep_id_number', 'legal_representative_id', 'legal_representative_id_number'],
  },
  {
    meaning: 'address',
    zh: ['地址', '住址', '注册地址', '联系地址', '居住地址', '户籍地址', '家庭住址', '通讯地址', '经营地址', '住所', '注册地', '经营场所'],
    pinyin: ['dz', 'zz', 'zcdz', 'lxdz', 'jzdz', 'hjdz', 'jtzz', 'txdz', 'jydz', 'jycs'],
    en: ['address', 'addr', 'registered_address', 'home_address', 'contact_address'],
  },
  // When a row changed: updated_at, and a cursor candidate (`mode: cursor`)
  {
    meaning: 'updated_at',
    zh: ['更新时间', '修改时间', '最后更新时间', '最后修改时间', '变更时间', '最近更新时间', '数据更新时间'],
    pinyin: ['gxsj', 'xgsj', 'zhgxsj', 'zhxgsj', 'bgsj', 'sjgxsj'],
    en: ['updated_at', 'update_time', 'updated_time', 'updatetime', 'last_modified', 'last_modified_time', 'last_update', 'last_updated', 'modified_at', 'modify_time', 'gmt_modified', 'mtime'],
  },
  // Row identifiers: source-key candidates
  {
    meaning: 'row_key',
    zh: ['编号', '序号', '主键', '记录编号', '记录号', '唯一标识'],
    pinyin: ['bh', 'xh', 'jlbh', 'wybs'],
    en: ['id', 'uuid', 'guid', 'pk', 'key', 'record_id', 'row_id'],
  },
  {
    meaning: 'transaction_serial', suffix: true,
    zh: ['流水号', '业务流水号', '交易流水号', '业务编号', '单据号', '凭证号'],
    pinyin: ['lsh', 'ywlsh', 'jylsh', 'ywbh', 'djh', 'pzh'],
    en: ['serial_no', 'serial_number', 'transaction_id', 'txn_id', 'trade_no', 'order_no', 'voucher_no'],
  },
  // Soft deletes (deleted_when)
  {
    meaning: 'delete_flag',
    zh: ['删除标志', '删除标识', '删除标记', '是否删除', '删除状态', '作废标志', '是否作废'],
    pinyin: ['scbz', 'scbs', 'scbj', 'sfsc', 'sczt', 'zfbz', 'sfzf'],
    en: ['is_deleted', 'isdeleted', 'deleted', 'del_flag', 'delete_flag', 'deleted_flag', 'is_del', 'dr', 'removed'],
  },
  {
    meaning: 'valid_flag',
    zh: ['有效标志', '有效标识', '是否有效', '有效状态'],
    pinyin: ['yxbz', 'yxbs', 'sfyx', 'yxzt'],
    en: ['is_valid', 'is_active', 'valid_flag', 'active_flag'],
  },
  // Proposed secret (never stored): propose-pipeline.ts says why
  {
    meaning: 'bank_account',
    zh: ['银行账号', '银行帐号', '银行卡号', '银行账户', '卡号', '开户账号', '收款账号', '银行卡', '账户号码', '社会保障卡银行账号'],
    pinyin: ['yhzh', 'yhkh', 'khzh', 'skzh'],
    en: ['bank_account', 'bank_account_no', 'bank_card', 'bank_card_no', 'card_no', 'card_number', 'account_no', 'acct_no', 'iban'],
  },
  {
    meaning: 'password',
    zh: ['密码', '登录密码', '用户密码', '口令', '支付密码', '密码哈希'],
    pinyin: ['mm', 'dlmm', 'yhmm', 'kl', 'zfmm'],
    en: ['password', 'passwd', 'pwd', 'user_password', 'password_hash', 'pwd_hash', 'secret', 'api_key', 'access_token', 'token'],
  },
];

/**
 * A header as compared with the dictionary: Unicode NFKC (full-width letters, digits and
 * brackets become ASCII), lower case, a trailing bracketed note dropped (`姓名（必填）`,
 * `sfzh(18位)`), a leading `*` (a required column in a spreadsheet template) dropped, and every
 * space, `_`, `-`, `.`, `·` and `:` removed. So `SFZH`, `sfzh`, `ＳＦＺＨ`, `id_card`, `ID-Card`
 * and `idCard` are all `idcard`.
 */
export function normalizeHeader(header: string): string {
  return header
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[([【[][^)\]】]*[)\]】]\s*$/u, '')
    .replace(/[\s_\-.·:*]/gu, '');
}

/** How a header matched the dictionary. */
export interface HeaderMatch {
  entry: HeaderEntry;
  /** The dictionary name it matched (as the dictionary writes it). */
  name: string;
  /** `exact`: the normalised header is the name; `suffix`: a Chinese header ending with the name. */
  how: 'exact' | 'suffix';
}

const EXACT = new Map<string, HeaderMatch>();
const SUFFIXES: Array<{ normalised: string; match: HeaderMatch }> = [];
for (const entry of HEADER_DICTIONARY) {
  for (const name of [...entry.zh, ...entry.pinyin, ...entry.en]) {
    const key = normalizeHeader(name);
    if (!EXACT.has(key)) EXACT.set(key, { entry, name, how: 'exact' });
  }
  if (entry.suffix) for (const name of entry.zh) SUFFIXES.push({ normalised: normalizeHeader(name), match: { entry, name, how: 'suffix' } });
}
// Longest first: `职工身份证号码` ends with both 身份证号码 and 证号码-like shorter names.
SUFFIXES.sort((a, b) => b.normalised.length - a.normalised.length);

/** Names (normalised) listed under more than one entry: a dictionary defect (tests keep it empty). */
export function duplicateNames(): string[] {
  const seen = new Map<string, number>();
  for (const entry of HEADER_DICTIONARY) {
    for (const name of new Set([...entry.zh, ...entry.pinyin, ...entry.en].map(normalizeHeader))) seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([name]) => name);
}

/**
 * What the dictionary says a header means: an exact match of the normalised header, else the
 * longest `suffix` entry name a Chinese header ends with, else a row key by shape (`supplier_id`,
 * `staffId`, `人员编号`), else undefined.
 */
export function lookupHeader(header: string): HeaderMatch | undefined {
  const key = normalizeHeader(header);
  if (key === '') return undefined;
  const exact = EXACT.get(key);
  if (exact) return exact;
  if (/\p{Script=Han}/u.test(key)) {
    const suffix = SUFFIXES.find((s) => key.length > s.normalised.length && key.endsWith(s.normalised));
    if (suffix) return suffix.match;
  }
  if (/(^|[_\-\s.])id$/i.test(header.trim()) || /[a-z0-9]Id$/.test(header.trim()) || /编号$/u.test(key)) {
    return { entry: ROW_KEY, name: /编号$/u.test(key) ? '编号' : 'id', how: 'suffix' };
  }
  return undefined;
}

const ROW_KEY = HEADER_DICTIONARY.find((e) => e.meaning === 'row_key')!;
