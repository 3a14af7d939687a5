/**
 * `npm run bench:readme`: rewrites the benchmark table of README.md (between the bench markers)
 * from bench/results/latest.json, or from the results file given as the first argument.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReadmeSection, replaceBenchSection } from './readme-table.ts';
import { readResults, type BenchResults } from './results.ts';

/** The README this repository's benchmark table lives in. */
export const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** Rewrites the table of `readme` from `results`. */
export async function updateReadme(results: BenchResults, readme = README): Promise<void> {
  await writeFile(readme, replaceBenchSection(await readFile(readme, 'utf8'), renderReadmeSection(results)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const file = process.argv[2];
  const results = await readResults(file ? path.resolve(file) : undefined);
  await updateReadme(results);
  console.log(`README.md: benchmark table of ${results.date} (${results.figures.length} figures)`);
}
