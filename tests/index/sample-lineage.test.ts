import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineFolder } from '../../src/config/load-pipelines.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { createWorkspace, REPO, type Workspace } from '../support/workspace.ts';
import { lineageMismatches, lineageOutranked } from './small-index.ts';

// Properties of lineage and relations over the whole sample index (five systems, dirty data).
describe('lineage and relations over the sample index', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await createWorkspace();
    await cp(path.join(REPO, 'pipelines'), path.join(ws.dir, 'pipelines'), { recursive: true });
    await generateSample({ outDir: path.join(ws.dir, 'data/sample'), seed: 7, scale: 1 });
    // Run statuses are the end-to-end test's concern; the properties hold for whatever is indexed.
    for (const p of await loadPipelineFolder(path.join(ws.dir, 'pipelines'))) await ws.run(p);
  });
  afterAll(async () => ws.dispose());

  it('lineage.value equals the golden field for every field of every golden record, one row each', async () => {
    const [n] = await ws.rows(`SELECT (SELECT count(*) FROM persons)::INT AS persons, count(*)::INT AS rows, count(DISTINCT (entity, code, field))::INT AS distinct_rows FROM lineage`);
    expect(n!.persons).toBeGreaterThan(1000);
    expect(n!.rows).toBe(n!.distinct_rows);
    expect(await lineageMismatches(ws)).toEqual([]);
  });

  it('every supplier holds the value and no record of the code outranks it', async () => {
    expect(await lineageOutranked(ws)).toEqual([]);
  });

  it('relations: one row per golden link, to_name and to_in_index from the other golden table', async () => {
    const bad = await ws.rows(`
      WITH expected AS (
        SELECT 'employer' AS relation, id_number AS from_code, employer_uscc AS to_code FROM persons WHERE employer_uscc IS NOT NULL
        UNION ALL SELECT 'legal_representative', uscc, legal_representative_id_number FROM legal_persons WHERE legal_representative_id_number IS NOT NULL
      ), names AS (SELECT id_number AS code, name FROM persons UNION ALL SELECT uscc, name FROM legal_persons)
      SELECT e.relation, e.from_code, e.to_code, r.to_name, r.to_in_index
      FROM expected e FULL OUTER JOIN relations r USING (relation, from_code, to_code)
      LEFT JOIN names n ON n.code = coalesce(e.to_code, r.to_code)
      WHERE e.from_code IS NULL OR r.from_code IS NULL OR r.to_name IS DISTINCT FROM n.name OR r.to_in_index <> (n.code IS NOT NULL)
      LIMIT 20`);
    expect(bad).toEqual([]);
    const [kinds] = await ws.rows(`SELECT count(*) FILTER (WHERE to_in_index)::INT AS known, count(*) FILTER (WHERE NOT to_in_index)::INT AS unknown FROM relations`);
    expect(kinds!.known).toBeGreaterThan(0);
  });
});
