import { cp } from 'node:fs/promises';
import path from 'node:path';
import { loadPipelineFolder } from '../../src/config/load-pipelines.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { copyWorkspace, createWorkspace, REPO, type Workspace } from './workspace.ts';

/**
 * A workspace whose index holds the generated sample (`onecode sample`, then every pipeline of
 * the repository run on it, as `onecode run --all` does): five systems, dirty data, aliases,
 * relations. Index it once per test file (beforeAll): it takes a few seconds.
 */
export async function indexedSample(seed = 1): Promise<Workspace> {
  const ws = await createWorkspace();
  await cp(path.join(REPO, 'pipelines'), path.join(ws.dir, 'pipelines'), { recursive: true });
  await generateSample({ outDir: path.join(ws.dir, 'data/sample'), seed });
  for (const p of await loadPipelineFolder(path.join(ws.dir, 'pipelines'))) {
    const summary = await ws.run(p);
    if (summary.status !== 'succeeded') throw new Error(`${p.name}: the sample run ${summary.status}`);
  }
  return ws;
}

/**
 * A copy of an indexed sample whose bookkeeping-agencies pipeline has declared its agency name
 * column (机构名称) `personal`, as a registry of sole proprietorships may, and run again: its
 * classes recorded in event_classes. Dispose of it (afterAll).
 * @throws Error when the pipeline no longer maps that column to `name`, or its run fails.
 */
export async function agencyNamesDeclaredPersonal(from: Workspace): Promise<Workspace> {
  const declared = await copyWorkspace(from);
  const agencies = (await loadPipelineFolder(path.join(declared.dir, 'pipelines'))).find((p) => p.name === 'bookkeeping-agencies')!;
  if (agencies.mapping.name !== '机构名称') throw new Error('bookkeeping-agencies no longer maps 机构名称 to name');
  const summary = await declared.run({ ...agencies, classification: { ...agencies.classification, 机构名称: 'personal' } }, { force: true });
  if (summary.status !== 'succeeded') throw new Error(`bookkeeping-agencies with its name declared personal: the run ${summary.status}`);
  return declared;
}

/**
 * A person of the sample with the most to show: known by a 15-digit alias, the legal
 * representative of a legal person, with an employer and a phone; and that legal person.
 */
export async function richPerson(ws: Workspace): Promise<{ id: string; alias15: string; uscc: string }> {
  const [row] = await ws.rows(`
    SELECT p.id_number AS id, a.alias AS alias15, l.uscc
    FROM persons p JOIN aliases a ON a.code = p.id_number AND a.alias_kind = 'resident_id_15'
    JOIN legal_persons l ON l.legal_representative_id_number = p.id_number
    WHERE p.employer_uscc IS NOT NULL AND p.phone IS NOT NULL AND p.name IS NOT NULL
    ORDER BY p.id_number LIMIT 1`);
  if (row === undefined) throw new Error('the sample has no person with an alias who represents a legal person');
  return row as { id: string; alias15: string; uscc: string };
}
