/**
 * The README's licence examples, on the sample `npm start` indexes (seed 1): the lookup by an
 * organisation code shows the agency's licences, and the materials check answers as the README
 * says (the codes are generated, so they are checked here rather than trusted).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { materialsAs } from '../../src/access/protected-materials.ts';
import { lookupCode } from '../../src/index/lookup.ts';
import { todayInChina } from '../../src/run/today-in-china.ts';
import { indexedSample } from '../support/indexed-sample.ts';
import { REPO, type Workspace } from '../support/workspace.ts';

let ws: Workspace;
let readme: string;
beforeAll(async () => {
  ws = await indexedSample(1);
  readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
}, 300_000);
afterAll(() => ws.dispose());

it('the README licence lookup and materials check answer as the README says', async () => {
  const lookup = /npx onecode lookup (\S+) +# an agency's `licences`/.exec(readme);
  const materials = /npx onecode materials --holder (\S+) --needs (\S+)\n +# already on file\? the licence yes \(valid to (\d{4}-\d{2}-\d{2})\), the credit rating no: expired/.exec(readme);
  expect(lookup, 'the lookup example').not.toBeNull();
  expect(materials, 'the materials example').not.toBeNull();
  const [, holder, needs, validTo] = materials!;
  const doc = (await lookupCode(ws.index.connection, lookup![1]!, todayInChina()))!;
  expect(doc.code).toBe(holder);
  expect(doc.licences.map((l) => [l.state, l.linked_via])).toEqual(expect.arrayContaining([['valid', 'org_code'], ['expired', null]]));
  const answer = (await materialsAs(ws.index.connection, holder!, needs!.split(','), { name: 'readme', role: 'steward', channel: 'cli' }, { runDate: todayInChina() }))!;
  expect(answer.needs.map((n) => [n.on_file, n.why_not, n.licence?.valid_to ?? null])).toEqual([[true, null, validTo], [false, 'expired', null]]);
});
