import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedSample } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

// ARCHITECTURE.md "Personal data stays in its place": run rows (run_log, quarantine reasons,
// record flags) name where and why, never a value. The sample is dirty on purpose (impossible
// birth dates, wrong check characters, 15-digit numbers upgraded, stray characters), so its
// reasons cover the identifier classifiers' messages.
describe('the run rows of the sample quote no ID number, birth date or name', () => {
  let ws: Workspace;
  beforeAll(async () => { ws = await indexedSample(5); });
  afterAll(async () => ws.dispose());

  it('no generated value appears in run_log, quarantined_row reasons or source_record flags', async () => {
    // every ID-number-shaped token the sample put in a record's payload or a quarantined row's text
    const idRows = await ws.rows(`
      SELECT DISTINCT unnest(regexp_extract_all(t, '[0-9]{17}[0-9X]|[0-9]{15}')) AS v
      FROM (SELECT CAST(payload AS VARCHAR) AS t FROM source_record UNION ALL SELECT raw FROM quarantined_row WHERE raw IS NOT NULL)`);
    const ids = idRows.map((r) => String(r.v));
    expect(ids.length).toBeGreaterThan(1000);
    const birthDates = new Set<string>();
    for (const id of ids) {
      const ymd = id.length === 18 ? id.slice(6, 14) : `19${id.slice(6, 12)}`;
      birthDates.add(ymd);
      birthDates.add(`${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`);
    }
    const names = (await ws.rows(`SELECT DISTINCT name AS v FROM records WHERE name IS NOT NULL`)).map((r) => String(r.v)).filter((n) => n.length >= 2);
    expect(names.length).toBeGreaterThan(100);

    const texts = (await ws.rows(`
      SELECT CAST(r AS VARCHAR) AS t, 'run_log' AS src FROM run_log r
      UNION ALL SELECT CAST(reasons AS VARCHAR), 'quarantined_row' FROM quarantined_row
      UNION ALL SELECT CAST(flags AS VARCHAR), 'source_record' FROM source_record WHERE flags IS NOT NULL`))
      .map((r) => ({ text: String(r.t), src: String(r.src) }));
    // the sample's faults reach the stored reasons (a check that cannot fail would prove nothing)
    const all = texts.map((t) => t.text).join('\n');
    for (const code of ['birth_date_impossible', 'check_character_mismatch', 'upgraded_from_15_digits']) expect(all).toContain(code);
    expect(texts.filter((t) => t.src === 'quarantined_row').length).toBeGreaterThan(0);

    const leaks = (values: Iterable<string>) => [...values].flatMap((v) => texts.filter((t) => t.text.includes(v)).map((t) => `${t.src}: a value of length ${v.length}`));
    expect(leaks(ids)).toEqual([]);
    expect(leaks(birthDates)).toEqual([]);
    expect(leaks(names)).toEqual([]);
  });
});
