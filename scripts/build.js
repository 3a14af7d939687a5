// `npm run build` (and `prepare`, so `npm ci` builds): compiles src/, connectors/ and schemas/ to
// JavaScript in dist/ with tsconfig.build.json, then writes dist/build-stamp.json, which
// bin/onecode.js reads to run the build only while it is that of the sources (bin/build-stamp.js).
//
// Type checking is `npm run typecheck`'s job (CI runs it): the build emits without it (`noCheck`),
// which halves its time. It compiles into a fresh folder beside dist/ and swaps it in, so a CLI
// started meanwhile finds either the old build, stamped, or the new one, never half of one; the
// stamp holds the time the build started, so a source edited while it ran makes it stale.
// Plain JavaScript: it runs on `npm ci` before anything is built.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { BUILD_DIR, STAMP_FILE } from '../bin/build-stamp.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const building = path.join(root, `${BUILD_DIR}.building-${process.pid}`);
const replaced = path.join(root, `${BUILD_DIR}.replaced-${process.pid}`);

// The start time is taken from the file system's clock, the one that dates the sources: a file
// written first, before tsc reads anything. (The kernel dates files with a coarse clock, a few ms
// behind Date.now(): an edit made just after Date.now() could be dated before it.)
rmSync(building, { recursive: true, force: true });
mkdirSync(building);
const marker = path.join(building, '.started');
writeFileSync(marker, '');
const started = statSync(marker).mtimeMs;
rmSync(marker);

const began = Date.now();
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', building], { cwd: root, stdio: 'inherit' });
if (compiled.status !== 0) {
  rmSync(building, { recursive: true, force: true });
  console.error(`build: tsc failed (${compiled.status ?? compiled.signal}); ${BUILD_DIR}/ is unchanged`);
  process.exit(1);
}
// DuckDB's Node API is 124 CommonJS files that require each other: loading them one by one is most
// of what the compiled CLI's start costs beyond Node's own (measured: 85-220 ms for the package,
// 35-85 ms for one bundled file, 2 cores). esbuild bundles them into dist/src/vendor/ (the native
// binding, @duckdb/node-bindings, stays a package), and src/index/duckdb-api.ts loads the bundle
// when there is one. Without it (a failed bundle) the CLI loads the package: slower, the same.
const duckdbApi = require.resolve('@duckdb/node-api');
try {
  require('esbuild').buildSync({
    entryPoints: [duckdbApi], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    external: ['@duckdb/node-bindings'], outfile: path.join(building, 'src', 'vendor', 'duckdb-node-api.cjs'), logLevel: 'warning',
  });
} catch (error) {
  console.error(`build: could not bundle @duckdb/node-api (${error.message.split('\n')[0]}); the CLI loads the package instead`);
}
writeFileSync(path.join(building, path.relative(BUILD_DIR, STAMP_FILE)), `${JSON.stringify({ started, at: new Date(started).toISOString() })}\n`);

const dist = path.join(root, BUILD_DIR);
let hadOne = true;
try {
  renameSync(dist, replaced);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
  hadOne = false;
}
renameSync(building, dist);
if (hadOne) rmSync(replaced, { recursive: true, force: true });
console.error(`build: ${BUILD_DIR}/ compiled in ${((Date.now() - began) / 1000).toFixed(1)} s`);
