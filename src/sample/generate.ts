/**
 * Deterministic generator of the departmental exports onecode ingests (five systems and the
 * licence library's two files), with known dirt.
 * Same seed and scale give byte-identical files; nothing reads the clock or Math.random.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeText } from './csv-writer.ts';
import { dayNumber } from './dates.ts';
import { buildAccountingStaff } from './exports/accounting-staff.ts';
import { buildBookkeepingAgencies } from './exports/bookkeeping-agencies.ts';
import { buildContinuingEducation } from './exports/continuing-education.ts';
import { buildLicencesOrganisations, buildLicencesPersons } from './exports/electronic-licences.ts';
import { buildProcurementSuppliers } from './exports/procurement-suppliers.ts';
import type { BuiltExport, ExportContext } from './exports/sample-export.ts';
import { buildSubsidyPayments } from './exports/subsidy-payments.ts';
import { recordExpectedLinkage } from './legacy-code-linkage.ts';
import {
  INJECTED_CASES_FILE,
  MANIFEST_FILE,
  SAMPLE_MANIFEST_VERSION,
  countInjections,
  injectionRates,
  totalInjections,
  type SampleFile,
  type SampleManifest,
} from './manifest.ts';
import { createPopulation } from './population.ts';
import { createPrng } from './prng.ts';
import { writeWorkbook } from '../xlsx/write-xlsx.ts';

/** Options of {@link generateSample}. */
export interface GenerateSampleOptions {
  /** Output folder; created if missing. Existing files of the same names are overwritten. */
  outDir: string;
  /** Seed of all randomness. Default 1. */
  seed?: number;
  /** Multiplies every row count (1 ≈ 2,000 persons, 450 organisations, 10,550 rows). Default 1. */
  scale?: number;
  /** Reference date `YYYY-MM-DD`; every date written is on or before it. Default `2026-01-01`. */
  runDate?: string;
}

/** Default reference date. */
export const DEFAULT_RUN_DATE = '2026-01-01';

const BUILDERS: ReadonlyArray<[string, (context: ExportContext) => BuiltExport]> = [
  ['accounting-staff', buildAccountingStaff],
  ['bookkeeping-agencies', buildBookkeepingAgencies],
  ['procurement-suppliers', buildProcurementSuppliers],
  ['subsidy-payments', buildSubsidyPayments],
  ['continuing-education', buildContinuingEducation],
  ['licences-persons', buildLicencesPersons],
  ['licences-organisations', buildLicencesOrganisations],
];

/**
 * Writes `accounting-staff.gbk.csv`, `bookkeeping-agencies.csv`, `procurement-suppliers.ndjson`,
 * `subsidy-payments.csv`, the workbook `continuing-education.xlsx`, `licences-persons.csv` and
 * `licences-organisations.csv` into `outDir`, plus
 * `manifest.json` and `injected-cases.ndjson`.
 * @returns the manifest (also written to `outDir/manifest.json`).
 * @throws RangeError if the seed is not a safe integer, the scale is not a positive number
 *   (at least 0.01), or runDate is not a `YYYY-MM-DD` date.
 */
export async function generateSample(options: GenerateSampleOptions): Promise<SampleManifest> {
  const { outDir, seed = 1, scale = 1, runDate = DEFAULT_RUN_DATE } = options;
  if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const runDay = dayNumber(runDate);
  const rng = createPrng(seed);
  const population = createPopulation(rng.fork('population'), scale);

  const built = BUILDERS.map(([label, build]) => build({ rng: rng.fork(label), population, runDay }));
  recordExpectedLinkage(population, built.flatMap((b) => b.cases));

  await mkdir(outDir, { recursive: true });
  const files: SampleFile[] = [];
  let casesText = '';
  let caseCount = 0;
  for (const { layout, text, workbook, rows, kinds, cases } of built) {
    const file = path.join(outDir, layout.path);
    let bytes: Buffer;
    if (workbook) {
      await writeWorkbook(file, workbook);
      bytes = await readFile(file);
    } else {
      bytes = encodeText(text, { encoding: layout.encoding, bom: layout.bom });
      await writeFile(file, bytes);
    }
    files.push({
      ...layout,
      rows,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      injections: countInjections(kinds, cases),
    });
    for (const c of cases) casesText += `${JSON.stringify(c)}\n`;
    caseCount += cases.length;
  }
  await writeFile(path.join(outDir, INJECTED_CASES_FILE), casesText);

  const manifest: SampleManifest = {
    version: SAMPLE_MANIFEST_VERSION,
    seed,
    scale,
    runDate,
    population: {
      persons: population.persons.length,
      accountingStaff: population.accountingStaff.length,
      organisations: population.organisations.length,
      agencies: population.agencies.length,
      suppliers: population.suppliers.length,
    },
    files,
    injections: totalInjections(files),
    rates: injectionRates(),
    cases: { path: INJECTED_CASES_FILE, count: caseCount },
  };
  await writeFile(path.join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
