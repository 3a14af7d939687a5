// Whether dist/ (the compiled CLI, `npm run build`) is the build of the sources beside it.
//
// Plain JavaScript with no dependencies: bin/onecode.js asks this on every start, before it knows
// whether it can run the build, and scripts/build.js writes the stamp it reads.
//
// The rule: the build writes dist/build-stamp.json last, holding the time (ms since the epoch, as
// the file system dates files) at which it started, before it read any source. The build is
// fresh when that stamp is there and every source (each file and folder under src/, connectors/
// and schemas/, and the tsconfig files) was last changed before that time. A folder's time
// changes when a file in it is added, removed or renamed, so a deleted source makes the build
// stale too. An edit made while the build ran is dated at or after the stamp: stale. Anything
// unreadable (no dist/, no stamp, a broken stamp) is stale. Modification times are compared, not
// contents: a check costs one stat per file (about 300), a few milliseconds, where hashing the
// sources would cost more than the start-up it protects.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The build's output folder, relative to the package root (tsconfig.build.json `outDir`). */
export const BUILD_DIR = 'dist';
/** The stamp file, relative to the package root. */
export const STAMP_FILE = path.join(BUILD_DIR, 'build-stamp.json');
/** The folders the build compiles (tsconfig.build.json `include`). */
export const SOURCE_DIRS = ['src', 'connectors', 'schemas'];
/** Files whose change changes the build without changing a source. */
export const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/**
 * The newest modification time among the sources of the package at `root`.
 * @param {string} root the package root (absolute).
 * @returns {{ mtimeMs: number, file: string }} the time (ms since the epoch) and the path (relative to `root`) that has it.
 */
export function newestSource(root) {
  let newest = { mtimeMs: -Infinity, file: '' };
  const consider = (relative) => {
    const mtimeMs = statSync(path.join(root, relative)).mtimeMs;
    if (mtimeMs > newest.mtimeMs) newest = { mtimeMs, file: relative };
  };
  const walk = (relative) => {
    consider(relative);
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else consider(child);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  for (const file of CONFIG_FILES) consider(file);
  return newest;
}

/**
 * Whether the build in `<root>/dist` is that of the sources in `<root>`.
 * @param {string} root the package root (absolute).
 * @returns {{ fresh: true } | { fresh: false, reason: string }} when stale, `reason` says why in a
 *   few words for people (e.g. "src/cli.ts changed since the build"); it names no value, only paths.
 */
export function buildFreshness(root) {
  let started;
  try {
    started = JSON.parse(readFileSync(path.join(root, STAMP_FILE), 'utf8')).started;
  } catch (error) {
    return { fresh: false, reason: error?.code === 'ENOENT' ? 'no build (dist/ or its stamp is missing)' : `unreadable build stamp ${STAMP_FILE}` };
  }
  if (typeof started !== 'number' || !Number.isFinite(started)) return { fresh: false, reason: `unreadable build stamp ${STAMP_FILE}` };
  let newest;
  try {
    newest = newestSource(root);
  } catch (error) {
    return { fresh: false, reason: `cannot read the sources (${error?.code ?? 'error'})` };
  }
  if (newest.mtimeMs >= started) return { fresh: false, reason: `${newest.file} changed since the build` };
  return { fresh: true };
}
