/**
 * Differential test of the DuckDB fast path against the JS classifiers (the authority), on a
 * real in-memory DuckDB, plus a 1,000,000-row timing.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlSample, type SqlSample } from '../support/sql-sample.ts';
import { classifyResidentId, classifyUscc, IDENTIFIER_SQL_MACROS } from '../../src/identifiers/index.ts';
import { mod11x2CheckCharacter, USCC_CHARACTERS } from './reference-check-characters.ts';
import {
  adjacentTranspositions,
  charsFrom,
  compactDateBetween,
  digits,
  dirtyVariant,
  RUN_DATE,
  singleSubstitutions,
  validCitizenId,
  validForeignerId,
  validOldResidentId,
  validResidencePermitId,
  validUscc,
} from './arbitraries.ts';

const SEED = 20240601;
const sample = <T>(arbitrary: fc.Arbitrary<T>, numRuns: number): T[] => fc.sample(arbitrary, { numRuns, seed: SEED });
const pickOne = <T>(values: T[], i: number): T[] => (values.length === 0 ? [] : [values[i % values.length]!]);

/** Codes of abolished counties (valid) and of counties never issued (nonconforming in JS, so never fast). */
const ABOLISHED_OR_NEVER_ISSUED = ['412723199010050012', '91320621MA1MRHG205', residentIdWithCheck('11019919850317123'), '91110199MA2Y8K3P37'];
function residentIdWithCheck(body: string): string {
  return body + mod11x2CheckCharacter(body);
}

/** Many thousands of values: valid, corrupted by one character, transposed, dirty and random. */
function buildValues(): string[] {
  const citizens = sample(validCitizenId, 4000);
  const permits = sample(validResidencePermitId, 500);
  const foreigners = sample(validForeignerId, 300);
  const usccs = sample(validUscc, 3000);
  const valid = [...citizens, ...permits, ...foreigners, ...usccs];
  const corrupted = valid.slice(0, 3000).flatMap((value, i) => [
    ...pickOne(singleSubstitutions(value, `${USCC_CHARACTERS}IOSVZ`), i * 7),
    ...pickOne(adjacentTranspositions(value), i * 3),
  ]);
  const dirty = valid.slice(0, 1000).flatMap((value) => sample(dirtyVariant(value), 1));
  // right check character, random province and date: exercises the province and date rules
  const checkedRandom = sample(digits(17), 3000).map((body) => body + mod11x2CheckCharacter(body));
  const datesAtTheEdges = ['18791231', '18800101', '19000228', '19000229', '20000229', '20040229', '20230229', RUN_DATE.replace(/-/g, ''), '20240602', '20991231']
    .flatMap((date) => ['350102', '810000', '830000', '830101', '710100'].map((address) => `${address}${date}123`))
    .map((body) => body + mod11x2CheckCharacter(body));
  const random = [
    ...sample(digits(18), 2000),
    ...sample(charsFrom(USCC_CHARACTERS, 18), 1000),
    ...sample(fc.string({ maxLength: 20 }), 500),
    ...sample(compactDateBetween('1850-01-01', '2030-12-31').map((date) => `350102${date}0015`), 500),
    ...sample(validOldResidentId, 300),
    '', ' ', '35010219850317123x',
    ...ABOLISHED_OR_NEVER_ISSUED,
  ];
  return [...valid, ...corrupted, ...dirty, ...checkedRandom, ...datesAtTheEdges, ...random];
}

let fixture: SqlSample;
let connection: DuckDBConnection;
const values = buildValues();
const rows = (sql: string): Promise<Record<string, unknown>[]> => fixture.rows(sql);

beforeAll(async () => {
  fixture = await openSqlSample(IDENTIFIER_SQL_MACROS, values);
  connection = fixture.connection;
});

afterAll(() => fixture?.close());

describe('SQL fast path (IDENTIFIER_SQL_MACROS) against the JS classifiers', () => {
  it('has many thousands of values to compare', () => {
    expect(values.length).toBeGreaterThan(20_000);
  });

  it('oc_resident_id_fast: non-null only for values the JS calls valid, unchanged; non-null for every canonical valid citizen or permit number', async () => {
    const result = await rows(`SELECT i, v, oc_resident_id_fast(v, DATE '${RUN_DATE}') AS fast FROM sample ORDER BY i`);
    let accepted = 0;
    for (const { i, v, fast } of result) {
      if (v === null) {
        expect(fast).toBeNull();
        continue;
      }
      const js = classifyResidentId(v as string, { runDate: RUN_DATE });
      const canonicalFastKind = js.status === 'valid' && js.normalized === v && js.subtype !== 'foreign_permanent_resident';
      if (fast !== null) {
        accepted++;
        expect({ i, v, status: js.status, normalized: js.normalized }).toEqual({ i, v, status: 'valid', normalized: fast });
      }
      expect({ i, v, accepted: fast !== null }).toEqual({ i, v, accepted: canonicalFastKind });
    }
    expect(accepted).toBeGreaterThan(4000);
  });

  it('oc_uscc_fast: non-null exactly for already canonical valid codes', async () => {
    const result = await rows('SELECT i, v, oc_uscc_fast(v) AS fast FROM sample ORDER BY i');
    let accepted = 0;
    for (const { i, v, fast } of result) {
      if (v === null) {
        expect(fast).toBeNull();
        continue;
      }
      const js = classifyUscc(v as string);
      if (fast !== null) {
        accepted++;
        expect({ i, v, status: js.status, normalized: js.normalized }).toEqual({ i, v, status: 'valid', normalized: fast });
      }
      expect({ i, v, accepted: fast !== null }).toEqual({ i, v, accepted: js.status === 'valid' && js.normalized === v });
    }
    expect(accepted).toBeGreaterThanOrEqual(3000); // every valid code; chance passes are rarer now that positions 3-8 must be a known office
  });

  it('accepts numbers issued under abolished county codes, and leaves codes never issued to the JS', async () => {
    const [id, uscc, neverId, neverUscc] = ABOLISHED_OR_NEVER_ISSUED;
    const result = await rows(`SELECT oc_resident_id_fast('${id}', DATE '${RUN_DATE}') AS id, oc_uscc_fast('${uscc}') AS uscc,
      oc_resident_id_fast('${neverId}', DATE '${RUN_DATE}') AS never_id, oc_uscc_fast('${neverUscc}') AS never_uscc`);
    expect(result).toEqual([{ id, uscc, never_id: null, never_uscc: null }]);
    expect(classifyResidentId(neverId!, { runDate: RUN_DATE }).status).toBe('nonconforming');
    expect(classifyUscc(neverUscc!).reasons.map((r) => r.code)).toEqual(['region_code_unknown']);
  });

  it('checks 1,000,000 rows quickly', async () => {
    await connection.run(`CREATE TABLE million AS SELECT v FROM sample, range(${Math.ceil(1_000_000 / values.length)}) LIMIT 1000000`);
    expect(await rows('SELECT count(*)::INTEGER AS n FROM million')).toEqual([{ n: 1_000_000 }]);
    const time = async (sql: string) => {
      const started = performance.now();
      await rows(sql);
      return Math.round(performance.now() - started);
    };
    const residentMs = await time(`SELECT count(oc_resident_id_fast(v, DATE '${RUN_DATE}')) FROM million`);
    const usccMs = await time('SELECT count(oc_uscc_fast(v)) FROM million');
    console.info(`fast path on 1,000,000 rows: oc_resident_id_fast ${residentMs} ms, oc_uscc_fast ${usccMs} ms`);
    // generous bound: the machine is shared; this catches a regression to row-at-a-time or string-rebuilding SQL
    expect(residentMs).toBeLessThan(5000);
    expect(usccMs).toBeLessThan(5000);
  });
});
