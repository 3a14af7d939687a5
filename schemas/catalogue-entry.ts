/**
 * A pipeline's entry in the government information resource catalogue (政务信息资源目录): the core
 * metadata the national catalogue guide lists (《政务信息资源目录编制指南（试行）》, 发改高技〔2017〕1272号,
 * building on GB/T 21063.3-2007, core metadata). docs/catalogue.md says which details were checked
 * against public text and which are onecode's choices.
 *
 * Declared in a pipeline's YAML as its `catalogue:` block (schemas/pipeline.ts); exported by
 * `onecode catalogue`; its resource and provider codes travel with every change the pipeline's runs
 * write (the outbox's `resource_code` and `provider_code`, docs/feed-contract.md).
 */
import { z } from 'zod';
import { CANONICAL_FIELDS } from './canonical.ts';

/**
 * Resource code (信息资源代码): the classification code (分类码: 类 1 digit, 项 2 digits, 目 3 digits,
 * then a 细目 of any length) and the sequence code (顺序码, any length), joined by `/`. The digit
 * lengths follow the guide; the `/` and the bounds (at most 40 digits in all) are onecode's choice,
 * so that the code fits the 100-character `resource_code` column of the exchange tables.
 */
export const RESOURCE_CODE = /^[1-3]\d{5}\d{0,14}\/\d{1,20}$/;

/**
 * Provider code (信息资源提供方代码): the providing department's unified social credit code (GB
 * 32100-2015, 18 characters of digits and capital letters other than I, O, Z, S, V), the code
 * every government department has held since 2015. Its check character is not checked here
 * (`onecode validate` does): a catalogue copies the code as its registry issued it.
 */
export const PROVIDER_CODE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

/**
 * The placeholder `onecode discover` writes where only the user knows the value (src/discover/
 * propose-pipeline.ts): accepted in place of a resource code, provider code and publish date (and,
 * as any text, in the entry's text fields) so that a fresh proposal loads; `onecode check` reports
 * each one left as an error (src/catalogue/entry-findings.ts `catalogue_todo`), and a run does not
 * deliver its changes with a placeholder code (src/catalogue/entry-codes.ts).
 */
export const CATALOGUE_PLACEHOLDER = 'TODO';

/** A test that also passes the {@link CATALOGUE_PLACEHOLDER}. */
const orPlaceholder = (test: (v: string) => boolean) => (v: string): boolean => v === CATALOGUE_PLACEHOLDER || test(v);

/** Sharing type (共享类型), as the guide names its three kinds: 无条件共享, 有条件共享, 不予共享. */
export const SHARING_TYPES = ['unconditional', 'conditional', 'not_shared'] as const;
export type SharingType = (typeof SHARING_TYPES)[number];

/** The guide's Chinese name of each {@link SHARING_TYPES} value (the CSV column's text). */
export const SHARING_TYPE_NAMES: Readonly<Record<SharingType, string>> = {
  unconditional: '无条件共享',
  conditional: '有条件共享',
  not_shared: '不予共享',
};

/** Open attribute (开放属性): open to the public without condition, with conditions, or not open. */
export const OPEN_ATTRIBUTES = ['open', 'conditional', 'not_open'] as const;
export type OpenAttribute = (typeof OPEN_ATTRIBUTES)[number];

/** The Chinese name of each {@link OPEN_ATTRIBUTES} value (the CSV column's text). */
export const OPEN_ATTRIBUTE_NAMES: Readonly<Record<OpenAttribute, string>> = {
  open: '无条件开放',
  conditional: '有条件开放',
  not_open: '不予开放',
};

/** Update cycle (更新周期). */
export const UPDATE_CYCLES = ['real_time', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular'] as const;
export type UpdateCycle = (typeof UPDATE_CYCLES)[number];

/** The Chinese name of each {@link UPDATE_CYCLES} value (the CSV column's text). */
export const UPDATE_CYCLE_NAMES: Readonly<Record<UpdateCycle, string>> = {
  real_time: '实时',
  daily: '每日',
  weekly: '每周',
  monthly: '每月',
  quarterly: '每季度',
  yearly: '每年',
  irregular: '不定期',
};

/**
 * Data type of a data item (数据类型; the guide names the attribute, the checked text does not list
 * its values): 字符型 C, 数值型 N, 日期型 D, 日期时间型 T, 布尔型 B, 二进制 BL. The list and the letters are
 * onecode's choice (docs/catalogue.md); the CSV writes the Chinese name.
 */
export const DATA_ITEM_TYPES = ['C', 'N', 'D', 'T', 'B', 'BL'] as const;
export type DataItemType = (typeof DATA_ITEM_TYPES)[number];

/** The Chinese name of each {@link DATA_ITEM_TYPES} value. */
export const DATA_ITEM_TYPE_NAMES: Readonly<Record<DataItemType, string>> = {
  C: '字符型', N: '数值型', D: '日期型', T: '日期时间型', B: '布尔型', BL: '二进制',
};

/**
 * The data type of a canonical field's values as onecode stores and delivers them: the calendar
 * dates (birth, issue, validity) 日期型 D, `updated_at` 日期时间型 T, every other field (codes, names,
 * phone numbers, statuses) 字符型 C. What `onecode discover` proposes for a mapped field's data item.
 */
export function dataItemTypeOf(field: (typeof CANONICAL_FIELDS)[number]): DataItemType {
  if (field === 'updated_at') return 'T';
  return field === 'birth_date' || field === 'issue_date' || field === 'valid_from' || field === 'valid_to' ? 'D' : 'C';
}

/** A date as YYYY-MM-DD (YAML reads an unquoted date as a Date: both are taken). */
const CalendarDate = z.preprocess(
  (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 10) : v),
  z.string()
    .refine(orPlaceholder((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)), 'use YYYY-MM-DD')
    .refine(orPlaceholder((d) => !Number.isNaN(Date.parse(d))), 'not a calendar date'),
);

/**
 * A data item (信息项): its name as the catalogue shows it, its data type, its code in the
 * provider's data element list, and `field`, the canonical field of the pipeline's mapping it is
 * (schemas/canonical.ts). `onecode check` compares the items with the mapping.
 */
export const DataItem = z.strictObject({
  /** 信息项名称, e.g. `公民身份号码`. */
  name: z.string().min(1),
  /** 数据类型: C, N, D, T, B or BL ({@link DATA_ITEM_TYPES}). */
  type: z.enum(DATA_ITEM_TYPES),
  /** The item's code (数据元标识符 or the provider's own), e.g. `DE00001`. */
  code: z.string().min(1).max(64),
  /** The canonical field it is, which the pipeline's mapping maps. */
  field: z.enum(CANONICAL_FIELDS),
});
export type DataItem = z.infer<typeof DataItem>;

/** 共享属性: the sharing type, the conditions of a conditional sharing, and the method. */
export const SharingAttribute = z
  .strictObject({
    type: z.enum(SHARING_TYPES),
    /** 共享条件: required for `conditional` (what a requester must show), else the reason not to share. */
    conditions: z.string().min(1).optional(),
    /** 共享方式, e.g. `数据库交换`, `接口`, `文件`. */
    method: z.string().min(1),
  })
  .superRefine((s, ctx) => {
    if (s.type !== 'unconditional' && s.conditions === undefined) {
      ctx.addIssue({ code: 'custom', path: ['conditions'], message: `a ${s.type === 'conditional' ? 'conditional sharing names its conditions' : 'resource not shared names its legal basis'} (共享条件)` });
    }
  });
export type SharingAttribute = z.infer<typeof SharingAttribute>;

/**
 * A catalogue entry: the core metadata of one information resource (GB/T 21063.3-2007, as the
 * 2017 guide lists it).
 */
export const CatalogueEntry = z.strictObject({
  /** 信息资源名称 */
  resource_name: z.string().min(1),
  /** 信息资源代码: {@link RESOURCE_CODE}, or the {@link CATALOGUE_PLACEHOLDER}. */
  resource_code: z.string().refine(orPlaceholder((v) => RESOURCE_CODE.test(v)), 'a resource code is the classification code (类 1 digit 1-3, 项 2, 目 3, 细目 0-14 digits), `/`, and a sequence code of 1-20 digits, e.g. 201003001/000012'),
  /** 信息资源提供方: the providing department's name. */
  provider: z.string().min(1),
  /** 信息资源提供方代码: {@link PROVIDER_CODE}, or the {@link CATALOGUE_PLACEHOLDER}. */
  provider_code: z.string({ error: (issue) => (issue.input === undefined ? undefined : "quote the provider code: YAML reads 18 digits as a number, which cannot hold them") }).refine(orPlaceholder((v) => PROVIDER_CODE.test(v)), "the provider code is the department's unified social credit code: 18 digits or capital letters (not I, O, Z, S or V)"),
  /** 信息资源分类: the class path as text, e.g. `基础信息资源/法人单位基础信息资源`. */
  classification: z.string().min(1),
  /** 信息资源摘要 */
  abstract: z.string().min(1),
  /** 信息资源格式, e.g. `数据库`, `电子表格`, `文本`. */
  format: z.string().min(1),
  /** 信息项信息: at least one. */
  data_items: z.array(DataItem).min(1),
  /** 共享属性 */
  sharing: SharingAttribute,
  /** 开放属性 */
  open: z.enum(OPEN_ATTRIBUTES),
  /** 更新周期 */
  update_cycle: z.enum(UPDATE_CYCLES),
  /** 发布日期, YYYY-MM-DD, or the {@link CATALOGUE_PLACEHOLDER}. */
  publish_date: CalendarDate,
});
export type CatalogueEntry = z.infer<typeof CatalogueEntry>;
