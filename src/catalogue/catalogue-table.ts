/**
 * The catalogue as `onecode catalogue` exports it: every pipeline's entry as JSON, or as CSV in the
 * columns of the catalogue guide's core metadata (发改高技〔2017〕1272号; docs/catalogue.md), headed by
 * the guide's Chinese names.
 */
import { stringify } from 'csv-stringify/sync';
import {
  DATA_ITEM_TYPE_NAMES, OPEN_ATTRIBUTE_NAMES, SHARING_TYPE_NAMES, UPDATE_CYCLE_NAMES, type CatalogueEntry,
} from '../../schemas/catalogue-entry.ts';
import type { EntityKind } from '../../schemas/canonical.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';

/** One entry as exported: the pipeline that declares it, its system and entity, and the entry. */
export interface CatalogueListing extends CatalogueEntry {
  pipeline: string;
  system: string;
  entity: EntityKind;
}

/** The export: the entries in pipeline-name order, and the pipelines that declare none. */
export interface Catalogue {
  entries: CatalogueListing[];
  /** Names of the pipelines without an entry (`onecode check` warns of each). */
  missing: string[];
}

/** The catalogue of `pipelines` (sorted by name). */
export function catalogueOf(pipelines: readonly Pipeline[]): Catalogue {
  const sorted = [...pipelines].sort((a, b) => a.name.localeCompare(b.name));
  return {
    entries: sorted.flatMap((p) => (p.catalogue === undefined ? [] : [{ pipeline: p.name, system: p.system, entity: p.entity, ...p.catalogue }])),
    missing: sorted.filter((p) => p.catalogue === undefined).map((p) => p.name),
  };
}

/**
 * The CSV columns: the guide's core metadata names, in the guide's order, then `数据管道`
 * (onecode's pipeline name, so a row can be traced to its YAML file).
 */
export const CATALOGUE_CSV_COLUMNS = [
  '信息资源分类', '信息资源名称', '信息资源代码', '信息资源提供方', '信息资源提供方代码', '信息资源摘要', '信息资源格式',
  '信息项信息', '共享类型', '共享条件', '共享方式', '开放属性', '更新周期', '发布日期', '数据管道',
] as const;

/**
 * `信息项信息` as one cell: each data item as `名称(数据类型,代码)`, joined by `；` (the full-width
 * semicolon, which no item's name is expected to hold).
 */
export function dataItemsText(entry: CatalogueEntry): string {
  return entry.data_items.map((i) => `${i.name}(${DATA_ITEM_TYPE_NAMES[i.type]},${i.code})`).join('；');
}

/**
 * The catalogue as CSV (RFC 4180, csv-stringify): a header of {@link CATALOGUE_CSV_COLUMNS}, one
 * row per entry, enumerations in the guide's Chinese words (有条件共享, 每日, …). UTF-8 with a BOM
 * when `bom` (so Excel opens the Chinese text as UTF-8).
 */
export function catalogueCsv(catalogue: Catalogue, options: { bom?: boolean } = {}): string {
  const rows = catalogue.entries.map((e) => [
    e.classification, e.resource_name, e.resource_code, e.provider, e.provider_code, e.abstract, e.format,
    dataItemsText(e), SHARING_TYPE_NAMES[e.sharing.type], e.sharing.conditions ?? '', e.sharing.method,
    OPEN_ATTRIBUTE_NAMES[e.open], UPDATE_CYCLE_NAMES[e.update_cycle], e.publish_date, e.pipeline,
  ]);
  return stringify([[...CATALOGUE_CSV_COLUMNS], ...rows], { bom: options.bom === true, record_delimiter: 'windows' });
}
