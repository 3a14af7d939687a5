/**
 * What every export builder returns: the file's description, its text (or workbook) and the
 * cases injected.
 */
import type { LineEnding, TextEncoding } from '../csv-writer.ts';
import type { InjectedCase, InjectionKind } from '../injections.ts';
import type { Population } from '../population.ts';
import type { Prng } from '../prng.ts';
import type { WorkbookSpec } from '../../xlsx/write-xlsx.ts';

/** How a departmental export is laid out on disk. */
export interface ExportLayout {
  /** Source system id, e.g. `accounting-staff`. */
  system: string;
  /** The department's name for the data, e.g. `会计人员`. */
  title: string;
  /** File name inside the output folder (fixed: pipelines reference it). */
  path: string;
  format: 'csv' | 'ndjson' | 'xlsx';
  /** Text encoding (for xlsx: of its XML parts, always UTF-8). */
  encoding: TextEncoding;
  /** Whether the file starts with a UTF-8 byte order mark (never for xlsx). */
  bom: boolean;
  /** Line ending of the text (for xlsx: after each part's XML declaration). */
  lineEnding: LineEnding;
  /** CSV header, the keys of each NDJSON object in order, or the workbook sheet's header cells. */
  columns: readonly string[];
  /** xlsx: the data sheet's tab name. */
  sheet?: string;
  /** xlsx: the 1-based sheet row of the header (rows above it are a title). */
  headerRow?: number;
}

/** A built export: a text file (csv, ndjson) or a workbook (xlsx). */
export type BuiltExport = BuiltExportBase & ({ text: string; workbook?: undefined } | { workbook: WorkbookSpec; text?: undefined });

interface BuiltExportBase {
  layout: ExportLayout;
  /** Data rows written, duplicates included, header (and for xlsx title and blank rows) excluded. */
  rows: number;
  /** The kinds this export can carry (its counts are reported even when zero). */
  kinds: readonly InjectionKind[];
  cases: InjectedCase[];
}

/** What a builder gets. */
export interface ExportContext {
  rng: Prng;
  population: Population;
  /** Reference date as a day number; every date written is on or before it. */
  runDay: number;
}
