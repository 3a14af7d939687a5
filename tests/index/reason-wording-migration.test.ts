import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/identifiers/index.ts';
import { INDEX_DDL, INDEX_MIGRATIONS, INDEX_SCHEMA_VERSION } from '../../src/index/ddl.ts';
import { rewriteOldReasonWording } from '../../src/index/reason-wording.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { RUN_DATE } from '../identifiers/arbitraries.ts';

// The migration that rewrites the old wording, whatever its number.
const REWRITES = Number(Object.entries(INDEX_MIGRATIONS).find(([, m]) => m === rewriteOldReasonWording)![0]);

/** Messages as the classifiers wrote them before the rewording (the values are generated, not real). */
const OLD: { code: string; message: string; values: string[]; now?: [string, string] }[] = [
  { code: 'birth_date_impossible', message: 'birth date 1990-02-30 does not exist', values: ['1990-02-30'] },
  { code: 'birth_date_in_future', message: 'birth date 2031-01-01 is after the run date 2026-06-01', values: ['2031-01-01'] },
  { code: 'birth_date_impossible', message: 'birth date YYMMDD 900231 (positions 8-13): birth date 1990-02-31 does not exist', values: ['900231', '1990-02-31'], now: ['KAZ110090023105', 'foreign_permanent_residence_2017'] },
  { code: 'upgraded_from_15_digits', message: '15-digit GB 11643-1989 number 350102850317123 upgraded to 35010219850317123X (19 inserted before the year, check character computed)', values: ['350102850317123', '35010219850317123X'], now: ['350102850317123', 'resident_id'] },
  { code: 'check_character_mismatch', message: 'check character should be 7, found 8', values: ['should be 7', 'found 8'] },
  { code: 'check_character_mismatch', message: 'check digit should be 7, found 8', values: ['should be 7', 'found 8'] },
  { code: 'check_character_mismatch', message: 'organisation code check character should be 3, found 4', values: ['should be 3', 'found 4'], now: ['MA2Y8K3P-4', 'org_code'] },
  { code: 'organization_code_check_mismatch', message: 'embedded organisation code MA2Y8K3P4 fails its GB 11714 check: its check character should be 3', values: ['MA2Y8K3P4', 'should be 3'], now: ['91350100MA2Y8K3P4T', 'uscc'] },
  { code: 'invalid_character', message: "'X' at position 15 is not allowed: positions 1-17 are digits, position 18 is a digit or X", values: ["'X'"], now: ['35010219850317X237', 'resident_id'] },
  { code: 'region_code_unknown', message: 'address code 110199 is not among the GB/T 2260 codes in force at any time since 1980: mistyped, or newer than the table', values: ['110199'] },
  { code: 'unknown_province', message: 'issuing province code 99 (positions 4-5) is not a GB/T 2260 province-level code', values: ['code 99'] },
  { code: 'nationality_code_unknown', message: 'nationality code QQQ (positions 1-3) is not an ISO 3166-1 alpha-3 code', values: ['QQQ'] },
];

describe('an index holding identifier reasons in their old, value-quoting wording', () => {
  it('is migrated when opened: flags and quarantine reasons name rules and positions only', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-wording-'));
    const file = path.join(dir, 'index.duckdb');
    try {
      const old = await DuckDBInstance.create(file);
      const oc = await old.connect();
      await oc.run(INDEX_DDL);
      await oc.run(`INSERT INTO onecode_meta VALUES ('schema_version', '${REWRITES - 1}')`);
      const json = (o: unknown) => `'${JSON.stringify(o).replaceAll("'", "''")}'`;
      const reasons = OLD.map(({ code, message }) => ({ code, message }));
      await oc.run(`INSERT INTO quarantined_row (run_id, pipeline, system, reason_codes, reasons, quarantined_at)
        VALUES ('r000001', 'p', 's', ${`[${OLD.map((r) => `'${r.code}'`).join(', ')}]`}, ${json(reasons)}, now())`);
      await oc.run(`INSERT INTO source_record (pipeline, system, entity, source_key, code_kind, code_status, payload, payload_hash, priority, first_run_id, changed_run_id, changed_run_no, flags)
        VALUES ('p', 's', 'person', 'k1', 'resident_id', 'valid', '{}', 1, 1, 'r000001', 'r000001', 1, ${json(reasons)}),
               ('p', 's', 'person', 'k2', 'resident_id', 'valid', '{}', 2, 1, 'r000001', 'r000001', 1, NULL)`);
      oc.closeSync();
      old.closeSync();
      const index = await openIndex(file);
      try {
        const version = (await index.connection.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRows();
        expect(version).toEqual([[String(INDEX_SCHEMA_VERSION)]]);
        const texts = (await index.connection.runAndReadAll(`
          SELECT CAST(reasons AS VARCHAR) FROM quarantined_row UNION ALL SELECT CAST(flags AS VARCHAR) FROM source_record WHERE flags IS NOT NULL`)).getRows().map((r) => String(r[0]));
        expect(texts).toHaveLength(2);
        for (const text of texts) {
          const stored = JSON.parse(text) as { code: string; message: string }[];
          expect(stored.map((r) => r.code)).toEqual(OLD.map((r) => r.code));
          stored.forEach((r, i) => {
            for (const value of OLD[i]!.values) expect(r.message, OLD[i]!.message).not.toContain(value);
            const now = OLD[i]!.now;
            // where the old message says which form it judged, the new one is what the classifier now writes
            if (now) expect(classify(now[0], { kind: now[1] as never, runDate: RUN_DATE }).reasons.map((x) => x.message)).toContain(r.message);
          });
        }
        const nulls = (await index.connection.runAndReadAll(`SELECT count(*) FROM source_record WHERE flags IS NULL`)).getRows();
        expect(Number(nulls[0]![0])).toBe(1);
      } finally {
        index.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
