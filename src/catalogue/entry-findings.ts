/**
 * What `onecode check` reports about a pipeline's catalogue entry (schemas/catalogue-entry.ts): the
 * entry is missing, or it disagrees with the pipeline's mapping. Pure: reads the loaded pipeline
 * only, never a source or the index.
 *
 * A missing entry is a warning: the catalogue came after pipelines existed, and a user's pipeline
 * without one keeps running and delivering (its changes carry no resource or provider code). An
 * entry that is declared but disagrees with the mapping is an error: the catalogue would promise
 * the platform data items that are not delivered, or the platform would receive values it was not
 * told of; `onecode check` then exits 1. Neither stops `onecode run`.
 */
import type { Pipeline } from '../../schemas/pipeline.ts';

/** The kinds of finding, each a stable code. */
export const CATALOGUE_FINDING_CODES = ['catalogue_missing', 'data_item_not_mapped', 'mapped_field_not_a_data_item', 'data_item_twice'] as const;
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
  /** The canonical field concerned (schemas/canonical.ts); absent for a missing entry. */
  field?: string;
  /** One sentence saying what is wrong and how to fix it. */
  message: string;
}

/**
 * The findings of one pipeline, in the order: missing entry; data items whose field is not mapped;
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
  const findings: CatalogueFinding[] = [];
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

/** A finding as one line: `file:line: pipeline: warning|error code (field): message`. */
export function formatFinding(f: CatalogueFinding): string {
  return `${f.file}:${f.line}: ${f.pipeline}: ${f.severity} ${f.code}${f.field === undefined ? '' : ` (${f.field})`}: ${f.message}`;
}
