/**
 * What `onecode check` reports about a pipeline's catalogue entry (schemas/catalogue-entry.ts): the
 * entry is missing, or it disagrees with the pipeline's mapping. Pure: reads the loaded pipeline
 * only, never a source or the index.
 *
 * A missing entry is a warning: the catalogue came after pipelines existed, and a user's pipeline
 * without one keeps running and delivering (its changes carry no resource or provider code). An
 * entry that is declared but disagrees with the mapping is an error: the catalogue would promise
 * the platform data items that are not delivered, or the platform would receive values it was not
 * told of; `onecode check` then exits 1. Neither stops `onecode run`. A value still holding the
 * placeholder `onecode discover` wrote (`TODO`, schemas/catalogue-entry.ts CATALOGUE_PLACEHOLDER)
 * is an error too, saying what to write there: a fresh proposal's check lists exactly these.
 */
import { CATALOGUE_PLACEHOLDER, type CatalogueEntry } from '../../schemas/catalogue-entry.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';

/** The kinds of finding, each a stable code. */
export const CATALOGUE_FINDING_CODES = ['catalogue_missing', 'catalogue_todo', 'data_item_not_mapped', 'mapped_field_not_a_data_item', 'data_item_twice'] as const;
export type CatalogueFindingCode = (typeof CATALOGUE_FINDING_CODES)[number];

/** One finding. Names files, lines and fields; never a value of a source. */
export interface CatalogueFinding {
  code: CatalogueFindingCode;
  /** `warning` (the pipeline runs and check exits 0) or `error` (check exits 1). */
  severity: 'warning' | 'error';
  pipeline: string;
  /** The pipeline file, as loaded (absolute). */
  file: string;
  /** 1-based line in the file where the problem is declared; 1 when the file has no such key. */
  line: number;
  /** The canonical field concerned (schemas/canonical.ts); absent for a missing entry and a placeholder. */
  field?: string;
  /** For a placeholder (`catalogue_todo`): the key that holds it, e.g. `catalogue.resource_code`. */
  key?: string;
  /** One sentence saying what is wrong and how to fix it. */
  message: string;
}

/**
 * The entry's keys a user fills in (paths below `catalogue`), each with what to write there: where
 * `onecode discover` writes the placeholder.
 */
export const TO_FILL: Readonly<Record<string, string>> = {
  resource_name: 'the resource name (信息资源名称)',
  resource_code: 'the resource code the catalogue office assigned (信息资源代码: classification code, `/`, sequence code, e.g. 201003001/000012)',
  provider: "the providing department's name (信息资源提供方)",
  provider_code: "the providing department's unified social credit code, quoted (信息资源提供方代码)",
  classification: 'the class path (信息资源分类, e.g. 部门信息资源/<department>/<subject>)',
  abstract: 'one or two sentences on what the resource holds (信息资源摘要)',
  format: 'the format (信息资源格式, e.g. 数据库, 电子表格, 文本)',
  'sharing.conditions': 'the conditions a requester must meet (共享条件), or the legal basis for not sharing',
  'sharing.method': 'the sharing method (共享方式, e.g. 数据库交换, 接口, 文件)',
  publish_date: 'the publish date (发布日期, YYYY-MM-DD)',
};

/** The `catalogue_todo` findings of `entry`: one per key of {@link TO_FILL} still the placeholder, one for the data items' codes and names. */
function placeholderFindings(entry: CatalogueEntry, at: (key: string) => number, base: Pick<CatalogueFinding, 'pipeline' | 'file'>): CatalogueFinding[] {
  const findings: CatalogueFinding[] = [];
  for (const [path, what] of Object.entries(TO_FILL)) {
    const value = path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], entry);
    if (value !== CATALOGUE_PLACEHOLDER) continue;
    const key = `catalogue.${path}`;
    findings.push({ ...base, code: 'catalogue_todo', severity: 'error', line: at(key), key, message: `${key} is ${CATALOGUE_PLACEHOLDER}: write ${what}` });
  }
  for (const part of ['code', 'name'] as const) {
    const fields = entry.data_items.filter((i) => i[part] === CATALOGUE_PLACEHOLDER).map((i) => i.field);
    if (fields.length === 0) continue;
    const what = part === 'code' ? "each item's code (数据元标识符 of the data element list, or the provider's own, e.g. DE00001)" : "each item's name as the catalogue shows it (信息项名称)";
    findings.push({ ...base, code: 'catalogue_todo', severity: 'error', line: at('catalogue.data_items'), key: `catalogue.data_items[].${part}`,
      message: `the ${part} of ${fields.length} data item(s) is ${CATALOGUE_PLACEHOLDER} (fields ${fields.join(', ')}): write ${what}` });
  }
  return findings;
}

/**
 * The findings of one pipeline, in the order: missing entry; placeholders to fill; data items whose field is not mapped;
 * data items naming a field twice; mapped fields that are no data item (in mapping order).
 * @returns [] for an entry that agrees with the mapping.
 */
export function catalogueFindings(pipeline: Pipeline): CatalogueFinding[] {
  const lineOf = (key: string): number => pipeline.fieldLines?.[key] ?? pipeline.fieldLines?.catalogue ?? 1;
  const base = { pipeline: pipeline.name, file: pipeline.file };
  const entry = pipeline.catalogue;
  if (entry === undefined) {
    return [{ ...base, code: 'catalogue_missing', severity: 'warning', line: 1,
      message: 'no catalogue entry: add a catalogue: block (docs/catalogue.md); its changes carry no resource or provider code until then' }];
  }
  const findings: CatalogueFinding[] = placeholderFindings(entry, lineOf, base);
  const mapped = Object.keys(pipeline.mapping).filter((f) => pipeline.mapping[f as keyof typeof pipeline.mapping] !== undefined);
  const seen = new Set<string>();
  for (const item of entry.data_items) {
    if (seen.has(item.field)) {
      findings.push({ ...base, code: 'data_item_twice', severity: 'error', line: lineOf('catalogue.data_items'), field: item.field,
        message: `two data items are the field ${item.field}: keep one` });
      continue;
    }
    seen.add(item.field);
    if (!mapped.includes(item.field)) {
      findings.push({ ...base, code: 'data_item_not_mapped', severity: 'error', line: lineOf('catalogue.data_items'), field: item.field,
        message: `the data item of field ${item.field} is not mapped: map a source column to ${item.field}, or remove the item` });
    }
  }
  for (const field of mapped) {
    if (!seen.has(field)) {
      findings.push({ ...base, code: 'mapped_field_not_a_data_item', severity: 'error', line: lineOf(`mapping.${field}`), field,
        message: `the mapped field ${field} is no data item of the catalogue entry: add it to catalogue.data_items` });
    }
  }
  return findings;
}

/** A finding as one line: `file:line: pipeline: warning|error code (field or key): message`. */
export function formatFinding(f: CatalogueFinding): string {
  const about = f.field ?? f.key;
  return `${f.file}:${f.line}: ${f.pipeline}: ${f.severity} ${f.code}${about === undefined ? '' : ` (${about})`}: ${f.message}`;
}
