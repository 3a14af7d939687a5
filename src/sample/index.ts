/**
 * Public surface of the sample generator: the departmental exports (five systems and the licence library) with known dirt, and
 * the large person CSV for benchmarks.
 */
export { generateSample, DEFAULT_RUN_DATE, type GenerateSampleOptions } from './generate.ts';
export { writePersonBenchmarkCsv, BENCHMARK_DIRTY_ID_RATE, type PersonBenchmarkSummary } from './bench-persons.ts';
export { MANIFEST_FILE, INJECTED_CASES_FILE, type SampleManifest, type SampleFile } from './manifest.ts';
export * from './injections.ts';
export { ACCOUNTING_STAFF_LAYOUT } from './exports/accounting-staff.ts';
export { BOOKKEEPING_AGENCIES_LAYOUT } from './exports/bookkeeping-agencies.ts';
export { PROCUREMENT_SUPPLIERS_LAYOUT } from './exports/procurement-suppliers.ts';
export { SUBSIDY_PAYMENTS_LAYOUT } from './exports/subsidy-payments.ts';
export { CONTINUING_EDUCATION_LAYOUT } from './exports/continuing-education.ts';
export type { ExportLayout } from './exports/sample-export.ts';
