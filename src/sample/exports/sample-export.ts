/**
 * What every export builder returns: the file's description, its text and the cases injected.
 */
import type { LineEnding, TextEncoding } from '../csv-writer.ts';
import type { InjectedCase, InjectionKind } from '../injections.ts';
import type { Population } from '../population.ts';
import type { Prng } from '../prng.ts';

/** How a departmental export is laid out on disk. */
export interface ExportLayout {
  /** Source system id, e.g. `accounting-staff`. */
  system: string;
  /** The department's name for the data, e.g. `会计人员`. */
  title: string;
  /** File name inside the output folder (fixed: pipelines reference it). */
  path: string;
  format: 'csv' | 'ndjson';
  encoding: TextEncoding;
  /** Whether the file starts with a UTF-8 byte order mark. */
  bom: boolean;
  lineEnding: LineEnding;
  /** CSV header, or the keys of each NDJSON object in order. */
  columns: readonly string[];
}

/** A built export. */
export interface BuiltExport {
  layout: ExportLayout;
  /** The whole file as text (before encoding and BOM). */
  text: string;
  /** Data rows written, duplicates included, header excluded. */
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
