/**
 * Issue 10: read-only SQL by role. An analyst reads the analyst views only, with personal values
 * protected whatever the query computes from them, and reaches nothing else (golden tables,
 * schema-qualified names, access_log, files, sequences, the protection functions); a steward
 * reads everything in clear and the result's codes are recorded; every query is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYST_VIEW_NAMES, installAnalystViews, removeAnalystViews } from '../../src/access/analyst-views.ts';
import { queryAs } from '../../src/access/protected-query.ts';
import { protectionFunctionName } from '../../src/access/protect-functions.ts';
import { lookupCode } from '../../src/index/lookup.ts';
import { indexedSample, richPerson } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

const analyst = { name: 'alice', role: 'analyst', channel: 'api' } as const;
const steward = { name: 'sam', role: 'steward', channel: 'cli' } as const;
const KEY = Buffer.alloc(32, 0x5a);

let ws: Workspace;
let person: { id: string; alias15: string; uscc: string };
/** Clear values of the index: every ID number, person's name and phone, and legal representative. */
let secrets: { ids: Set<string>; names: Set<string>; phones: Set<string> };
beforeAll(async () => {
  ws = await indexedSample(2);
  person = await richPerson(ws);
  const column = async (sql: string) => new Set((await ws.rows(sql)).map((r) => String(Object.values(r)[0])));
  secrets = {
    ids: await column(`SELECT id_number FROM persons UNION SELECT legal_representative_id_number FROM records WHERE legal_representative_id_number IS NOT NULL UNION SELECT alias FROM aliases WHERE alias_kind = 'resident_id_15'`),
    names: await column(`SELECT name FROM persons WHERE length(name) >= 2 UNION SELECT legal_representative FROM records WHERE length(legal_representative) >= 2`),
    phones: await column(`SELECT phone FROM records WHERE phone IS NOT NULL`),
  };
});
afterAll(() => ws.dispose());

/** Every 11-, 15- and 18-character window of each run of digits (and X) in a text: where an ID number or phone could hide. */
function digitWindows(text: string): string[] {
  return [...text.matchAll(/[\dX]{11,}/g)].flatMap(([run]) => [11, 15, 18].flatMap((n) => Array.from({ length: Math.max(0, run.length - n + 1) }, (_, i) => run.slice(i, i + n))));
}

const lastAccess = async () => (await ws.rows(`SELECT who, role, channel, action, query, row_count::INT AS row_count, policy, codes, codes_total::INT AS codes_total, outcome FROM access_log ORDER BY access_no DESC LIMIT 1`))[0]!;

describe('queryAs', () => {
  it('an analyst reads every analyst view with no clear ID number, name or phone in it', async () => {
    expect(secrets.ids.size).toBeGreaterThan(1000);
    for (const view of ANALYST_VIEW_NAMES) {
      const r = await queryAs(ws.index.connection, `SELECT * FROM ${view}`, analyst, { maxRows: 100_000 });
      expect(r.truncated, view).toBe(false);
      const cells = r.rows.flat().map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const leaked = [...cells.flatMap(digitWindows).filter((w) => secrets.ids.has(w) || secrets.phones.has(w)), ...cells.filter((cell) => secrets.names.has(cell))];
      expect(leaked, view).toEqual([]);
    }
    const persons = await queryAs(ws.index.connection, `SELECT count(*) AS n FROM persons`, analyst);
    expect(persons.rows[0]![0]).toBeGreaterThan(1000);
  });

  it('what a query computes from a personal column, it computes from the protected value', async () => {
    const upper = await queryAs(ws.index.connection, 'SELECT upper(name) AS n, id_number || \'\' AS id, substr(phone, 1, 11) AS p FROM persons', analyst, { maxRows: 100_000 });
    expect(upper.rows.length).toBeGreaterThan(1000);
    for (const [n, id, p] of upper.rows as string[][]) {
      expect(secrets.names.has(n!)).toBe(false);
      expect(n).toMatch(/\*/);
      expect(id).toMatch(/^\d{6}\*{11}[\dX]$/);
      if (p !== null) expect(p).toMatch(/^\d{3}\*{4}\d{4}$/);
    }
    const where = await queryAs(ws.index.connection, `SELECT count(*) FROM persons WHERE id_number = '${person.id}'`, analyst);
    expect(where.rows).toEqual([[0]]);
  });

  it('an analyst reaches nothing else, and each refusal is recorded', async () => {
    const refused: Array<[string, RegExp]> = [
      ['SELECT * FROM golden_person', /'golden_person' is not one of the views/],
      ['SELECT * FROM main.persons', /'main\.persons' names a schema/],
      ['SELECT * FROM temp.main.persons', /names a schema/],
      ['SELECT * FROM access_log', /'access_log' is not one of the views/],
      ['SELECT * FROM persons p JOIN source_record r ON r.one_code = p.id_number', /'source_record' is not one/],
      ['SELECT (SELECT max(name) FROM golden_person)', /'golden_person'/],
      ['WITH golden_person AS (SELECT 1) SELECT * FROM golden_person', /CTE name 'golden_person'/],
      ['DESCRIBE golden_person', /'golden_person'/],
      ['SUMMARIZE golden_person', /'golden_person'/],
      [`SELECT * FROM read_csv('${ws.dir}/data/sample/subsidy-payments.csv')`, /read_csv\(\) is not allowed/],
      [`SELECT * FROM '${ws.dir}/data/sample/subsidy-payments.csv'`, /is a file/],
      ["SELECT nextval('access_seq')", /nextval\(\) changes the database/],
      ["SELECT main.nextval('access_seq')", /nextval\(\)/],
      [`SELECT ${protectionFunctionName('id_number', 'pseudonymise', KEY)}('${person.id}')`, /the guard's own/],
      [`SELECT ${protectionFunctionName('person_name', 'mask')}(name) FROM persons`, /the guard's own/],
      ['SELECT * FROM persons; SELECT 1', /2 statements/],
    ];
    const seqBefore = await ws.rows(`SELECT max(access_no)::INT AS n FROM access_log`);
    for (const [sql, why] of refused) {
      const error = await queryAs(ws.index.connection, sql, analyst).catch((e: unknown) => e as Error);
      expect(error, sql).toMatchObject({ code: 'query_refused' });
      expect((error as Error).message, sql).toMatch(why);
      expect(await lastAccess(), sql).toMatchObject({ who: 'alice', role: 'analyst', action: 'query', query: sql, row_count: 0, codes: sql.includes(person.id) ? [person.id] : [], outcome: 'refused' });
    }
    // one access number per query: nothing else advanced the sequence
    const seqAfter = await ws.rows(`SELECT max(access_no)::INT AS n FROM access_log`);
    expect(Number(seqAfter[0]!.n) - Number(seqBefore[0]!.n ?? 0)).toBe(refused.length);
  });

  it('a steward reads every table in clear, and the codes its result shows are recorded', async () => {
    const r = await queryAs(ws.index.connection, `SELECT p.id_number, p.name, l.uscc, 'x' || p.id_number || 'y' AS glued FROM golden_person p JOIN legal_persons l ON l.legal_representative_id_number = p.id_number WHERE p.id_number = '${person.id}'`, steward);
    expect(r.columns.map((c) => c.name)).toEqual(['id_number', 'name', 'uscc', 'glued']);
    expect(r.rows[0]!.slice(0, 1)).toEqual([person.id]);
    expect(secrets.names.has(String(r.rows[0]![1]))).toBe(true);
    const logged = await lastAccess();
    expect(logged).toMatchObject({ who: 'sam', role: 'steward', channel: 'cli', policy: 'clear', row_count: r.rowCount, outcome: 'ok' });
    expect([...(logged.codes as string[])].sort()).toEqual([person.id, ...new Set(r.rows.map((row) => String(row[2])))].sort());
    // a code inside a JSON payload counts too
    const payload = await queryAs(ws.index.connection, `SELECT payload FROM records WHERE one_code = '${person.id}' AND entity = 'person'`, steward);
    expect(payload.columns).toEqual([{ name: 'payload', type: 'JSON' }]);
    expect(typeof payload.rows[0]![0]).toBe('object');
    expect((await lastAccess()).codes).toContain(person.id);
  });

  it("records the codes a query's own text names (18 or 15 digits, normalised), and 15-digit and nonconforming codes a result shows", async () => {
    // the result shows only a name: the literal says who the query was about
    await queryAs(ws.index.connection, `SELECT name FROM golden_person WHERE id_number = '${person.id}'`, steward);
    expect(await lastAccess()).toMatchObject({ outcome: 'ok', codes: [person.id], codes_total: 1 });
    // a 15-digit literal is recorded as the 18-character one code it upgrades to, as lookup resolves it
    await queryAs(ws.index.connection, `SELECT count(*) AS n FROM aliases WHERE alias = '${person.alias15}'`, steward);
    expect((await lastAccess()).codes).toEqual([person.id]);
    // a 15-digit number in a result cell, likewise
    await queryAs(ws.index.connection, `SELECT alias FROM aliases WHERE alias_kind = 'resident_id_15' AND alias LIKE '${person.alias15.slice(0, 14)}%'`, steward);
    expect((await lastAccess()).codes).toEqual([person.id]);
    // a nonconforming code (region code in no edition of GB/T 2260: a registry fault, still someone's number)
    const nonconforming = '110199198503171231';
    await queryAs(ws.index.connection, `SELECT 'x' AS a UNION ALL SELECT ' ${nonconforming}' AS a`, steward);
    expect((await lastAccess()).codes).toEqual([nonconforming]);
    // an analyst's query is about the person its text names, though it shows them masked
    const r = await queryAs(ws.index.connection, `SELECT count(*) AS n FROM persons WHERE id_number = '${person.id}'`, analyst);
    expect(r.rowCount).toBe(1); // (the view's id_number is masked: the literal matches nothing, and the query still asked for the person)
    expect(await lastAccess()).toMatchObject({ role: 'analyst', codes: [person.id] });
    // and a refused query's text too
    await expect(queryAs(ws.index.connection, `SELECT * FROM golden_person WHERE id_number = '${person.id}'`, analyst)).rejects.toMatchObject({ code: 'query_refused' });
    expect(await lastAccess()).toMatchObject({ outcome: 'refused', codes: [person.id] });
  });

  it('an analyst result records no codes; maxRows cuts and says so; a timeout stops the query and is recorded', async () => {
    await queryAs(ws.index.connection, 'SELECT id_number FROM persons', analyst, { maxRows: 5 }).then((r) => {
      expect(r).toMatchObject({ rowCount: 5, truncated: true });
      expect(r.rows).toHaveLength(5);
    });
    expect(await lastAccess()).toMatchObject({ policy: 'mask', row_count: 5, codes: [], outcome: 'ok' });
    const all = await queryAs(ws.index.connection, 'SELECT count(*) FROM persons', steward, { maxRows: 1 });
    expect(all).toMatchObject({ rowCount: 1, truncated: false });
    const ordered = await queryAs(ws.index.connection, 'SELECT id_number FROM persons ORDER BY id_number DESC;', steward, { maxRows: 3 });
    const top = await ws.rows('SELECT id_number FROM persons ORDER BY id_number DESC LIMIT 3');
    expect(ordered.rows.map((r) => r[0])).toEqual(top.map((r) => r.id_number));
    await expect(queryAs(ws.index.connection, 'SELECT count(*) FROM range(1000000000000)', analyst, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'query_timeout' });
    expect(await lastAccess()).toMatchObject({ outcome: 'failed', row_count: 0 });
    await expect(queryAs(ws.index.connection, 'SELECT CAST(name AS INTEGER) FROM persons', steward)).rejects.toMatchObject({ code: 'query_invalid', message: expect.stringContaining('message withheld') });
    expect(await lastAccess()).toMatchObject({ outcome: 'failed' });
  });

  it('an operator may not query; nothing recorded', async () => {
    const before = await ws.rows('SELECT count(*)::INT AS n FROM access_log');
    await expect(queryAs(ws.index.connection, 'SELECT 1', { name: 'ops', role: 'operator', channel: 'api' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await ws.rows('SELECT count(*)::INT AS n FROM access_log')).toEqual(before);
  });

  it('the protected views shadow the index only while the query runs, on its own connection', async () => {
    const other = await ws.index.instance.connect();
    try {
      await installAnalystViews(other, 'mask');
      const masked = await other.runAndReadAll(`SELECT name FROM persons WHERE name IS NOT NULL LIMIT 1`);
      expect(String(masked.getRows()[0]![0])).toMatch(/\*/);
      const clearHere = await ws.index.connection.runAndReadAll(`SELECT count(*) FROM persons WHERE id_number = '${person.id}'`);
      expect(Number(clearHere.getRows()[0]![0])).toBe(1);
      await removeAnalystViews(other);
      expect((await lookupCode(other, person.id, '2026-01-01'))!.person!.id_number).toBe(person.id);
      await queryAs(other, 'SELECT 1', analyst);
      expect((await lookupCode(other, person.id, '2026-01-01'))!.person!.id_number).toBe(person.id);
    } finally {
      other.closeSync();
    }
  });

  it('every column of every analyst view is listed: only the documented ones are left out', async () => {
    const other = await ws.index.instance.connect();
    try {
      const leftOut = await installAnalystViews(other, 'pseudonymise', KEY);
      expect(leftOut).toEqual({
        records: ['payload'], quarantine: ['raw', 'raw_sm3'], quarantine_history: ['raw', 'raw_sm3'], source_states: ['state'], changes: ['event'],
      });
    } finally {
      other.closeSync();
    }
  });
});
