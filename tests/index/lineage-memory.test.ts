/**
 * The `lineage` view within a small memory limit: read by `onecode query` in a process of its own
 * under ONECODE_MEMORY_LIMIT=64MB, on an index of 20,000 generated persons, one source record each
 * (bench/persons.ts). Its survivorship aggregates over every code (one per stored field, all in
 * one UNION ALL) held about 70MB at this size (at 200,000 persons, more than the default 384MB); a
 * code held by one source record needs no survivorship, so only the codes held by several are
 * aggregated now. The rows read back equal what the persons view says they must be.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personPipeline } from '../../bench/persons.ts';
import { writePersonBenchmarkCsv } from '../../src/sample/bench-persons.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

let ws: Workspace;
let db: string;
/** Lineage rows the persons view implies: 3 derived fields per person, and one per stored field holding a value. */
let expected: { rows: number; persons: number };

beforeAll(async () => {
  ws = await createWorkspace();
  await writePersonBenchmarkCsv(path.join(ws.dir, 'persons.csv'), 20_000, 1);
  const summary = await ws.run(await personPipeline(ws.dir, 'persons', 'persons.csv'));
  expect(summary.status).toBe('succeeded');
  const [row] = await ws.rows(`SELECT (count(*) * 3 + count(name) + count(employer_name) + count(employer_uscc) + count(phone))::INTEGER AS rows, count(*)::INTEGER AS persons FROM persons`);
  expected = { rows: Number(row!.rows), persons: Number(row!.persons) };
  expect(expected.persons).toBeGreaterThan(19_000);
  db = path.join(ws.dir, 'index.duckdb');
  await ws.index.connection.run('CHECKPOINT');
  ws.index.close();
  ws.index.close = () => undefined;
}, 300_000);
afterAll(async () => ws?.dispose());

describe('lineage under a small memory limit', () => {
  it('is read whole by onecode query within 64MB, one row per derived field and per stored field holding a value', async () => {
    const ran = await onecode(['query', 'SELECT count(*)::INTEGER AS n, count(DISTINCT code)::INTEGER AS codes FROM lineage', '--format', 'json', '--db', db], { env: { ONECODE_MEMORY_LIMIT: '64MB' } });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual([{ n: expected.rows, codes: expected.persons }]);
  });
});
