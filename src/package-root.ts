/**
 * Where onecode's own files are, whether the code runs from its sources (`src/…`, through tsx or
 * vitest) or compiled (`dist/src/…`, through bin/onecode.js; `npm run build`).
 *
 * Files the code reads at run time that are not TypeScript (the web console, the GB/T 2260 table,
 * DuckDB's extension folder) are found from the package root, never from `import.meta.url` of the
 * file reading them: the build emits JavaScript only, so `new URL('./tables/…', import.meta.url)`
 * would look inside dist/ for a table that is only in src/. Reading them from src/ in both cases
 * also means a build can never serve an older copy of them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder the build writes to (tsconfig.build.json `outDir`), relative to the package root. */
export const BUILD_DIR = 'dist';

const here = fileURLToPath(import.meta.url);
// Sources: <root>/src/package-root.ts. Built: <root>/dist/src/package-root.js.
const parent = path.dirname(path.dirname(here));
const built = here.endsWith('.js') && path.basename(parent) === BUILD_DIR;

/** The package's root folder (where package.json is), absolute. */
export const PACKAGE_ROOT = built ? path.dirname(parent) : parent;

/** An absolute path inside the package, from path segments relative to its root, e.g. `packagePath('src', 'console')`. */
export function packagePath(...segments: string[]): string {
  return path.join(PACKAGE_ROOT, ...segments);
}
