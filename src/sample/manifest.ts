/**
 * The sample manifest: what the generator wrote and exactly how much of each injection,
 * so that tests can predict what a pipeline must find. Written as `manifest.json` beside the
 * exports; the individual injected values go to `injected-cases.ndjson`.
 */
import type { ExportLayout } from './exports/sample-export.ts';
import { INJECTION_KINDS, INJECTION_RATES, type InjectedCase, type InjectionKind } from './injections.ts';

/** Version of the manifest's shape. */
export const SAMPLE_MANIFEST_VERSION = 1;
/** File name of the manifest in the output folder. */
export const MANIFEST_FILE = 'manifest.json';
/** File name of the injected cases (NDJSON, one {@link InjectedCase} per line). */
export const INJECTED_CASES_FILE = 'injected-cases.ndjson';

/** One written export: its layout and what was written. */
export interface SampleFile extends ExportLayout {
  /** Data rows (CSV records after the header, or NDJSON lines), duplicates included. */
  rows: number;
  /** Size of the file in bytes. */
  bytes: number;
  /** SHA-256 of the file, lower-case hex. */
  sha256: string;
  /** Exact number of rows carrying each kind this export can carry (zero included). */
  injections: Partial<Record<InjectionKind, number>>;
}

/** What {@link generateSample} wrote. */
export interface SampleManifest {
  version: typeof SAMPLE_MANIFEST_VERSION;
  seed: number;
  scale: number;
  /** Reference date (ISO) all dates are on or before. */
  runDate: string;
  /** Sizes of the synthetic population behind the exports. */
  population: { persons: number; accountingStaff: number; organisations: number; agencies: number; suppliers: number };
  files: SampleFile[];
  /** Exact totals per kind over all files. */
  injections: Record<InjectionKind, number>;
  /** The documented rates the counts come from. */
  rates: Record<InjectionKind, number>;
  /** Where the individual cases are, and how many. */
  cases: { path: string; count: number };
}

/** Counts of `cases` per kind, starting every kind in `kinds` at zero. */
export function countInjections(kinds: readonly InjectionKind[], cases: readonly InjectedCase[]): Partial<Record<InjectionKind, number>> {
  const counts: Partial<Record<InjectionKind, number>> = {};
  for (const kind of INJECTION_KINDS) if (kinds.includes(kind)) counts[kind] = 0;
  for (const c of cases) counts[c.kind] = (counts[c.kind] ?? 0) + 1;
  return counts;
}

/** Totals per kind over all files. */
export function totalInjections(files: readonly SampleFile[]): Record<InjectionKind, number> {
  const totals = Object.fromEntries(INJECTION_KINDS.map((k) => [k, 0])) as Record<InjectionKind, number>;
  for (const file of files) for (const [kind, n] of Object.entries(file.injections)) totals[kind as InjectionKind] += n;
  return totals;
}

/** The documented rates as a plain record. */
export function injectionRates(): Record<InjectionKind, number> {
  return { ...INJECTION_RATES };
}
