/**
 * vitest's global setup: builds dist/ (`npm run build`) before any test runs when it is missing or
 * older than the sources (bin/build-stamp.js), so that every test spawning bin/onecode.js runs the
 * compiled CLI of the current sources. The suite spawns the CLI hundreds of times: compiled, each
 * start takes a fraction of a second where tsx took about 3 s. Without it bin/onecode.js would run
 * the sources through tsx and say so on stderr, which tests reading stderr would see.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildFreshness } from '../../bin/build-stamp.js';
import { REPO } from './workspace.ts';

export default function buildDist(): void {
  const build = buildFreshness(REPO);
  if (build.fresh) return;
  process.stderr.write(`tests: building dist/ first (${build.reason})\n`);
  const result = spawnSync(process.execPath, [path.join(REPO, 'scripts/build.js')], { cwd: REPO, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.status ?? result.signal}): the tests spawn the compiled CLI`);
}
