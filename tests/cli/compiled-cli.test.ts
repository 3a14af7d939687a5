/**
 * The compiled CLI (dist/, what bin/onecode.js runs) is the source CLI (src/cli.ts through tsx,
 * `npm run onecode`): the same output and exit codes for the same commands, the same files read
 * at run time (the console, the GB/T 2260 table, DuckDB's extension folder), and `validate` and
 * `status` load only what they use (issue 11: CLI start).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFreshness } from '../../bin/build-stamp.js';
import { CONSOLE_DIR } from '../../src/api/routes/console-files.ts';
import { knownRegionCodes } from '../../src/identifiers/region-codes.ts';
import { duckdbExtensionDirectory } from '../../src/index/duckdb-extensions.ts';
import { PACKAGE_ROOT } from '../../src/package-root.ts';
import { type Ran, runNode } from '../support/cli.ts';
import { indexedSample } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';
import { REPO } from '../support/workspace.ts';

const node = runNode;
const compiled = (args: string[], options?: { cwd?: string; input?: string }) => node([path.join(REPO, 'bin/onecode.js'), ...args], options);
const fromSource = (args: string[], options?: { cwd?: string; input?: string }) => node(['--import', 'tsx', path.join(REPO, 'src/cli.ts'), ...args], options);

const VALUES = ['35020319900228108x', '91 3501 00MA2Y8K3P3P', 'MA2Y8K3P-3', '350104801019714', '110105194912310021', 'not a code'];

describe('compiled and source CLI', () => {
  let ws: Workspace;
  let db: string;
  beforeAll(async () => {
    // tests/support/build-dist.ts built dist/ before the tests when it was stale
    expect(buildFreshness(REPO)).toEqual({ fresh: true });
    ws = await indexedSample();
    db = path.join(ws.dir, 'index.duckdb');
    await ws.index.connection.run('CHECKPOINT');
    ws.index.close();
    ws.index.close = () => undefined;
  }, 180_000);
  afterAll(async () => ws?.dispose());

  const same = async (args: string[], options?: { input?: string }): Promise<Ran> => {
    const [a, b] = [await compiled(args, options), await fromSource(args, options)];
    expect(a).toEqual(b);
    return a;
  };

  it('validate: the same JSON lines, from arguments and from stdin', async () => {
    const args = await same(['validate', '--run-date', '2026-01-01', ...VALUES]);
    expect(args.code).toBe(0);
    expect(args.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(['valid', 'valid', 'valid', 'valid', 'invalid', 'invalid']);
    const stdin = await same(['validate', '--run-date', '2026-01-01', '--kind', 'uscc'], { input: `${VALUES.join('\n')}\n` });
    expect(stdin.stdout.trimEnd().split('\n')).toHaveLength(VALUES.length);
  });

  it('status and status --json on the indexed sample', async () => {
    const text = await same(['status', '--db', db]);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toMatch(/^persons \d+, legal persons \d+\n/);
    const json = await same(['status', '--db', db, '--json']);
    expect((JSON.parse(json.stdout) as { persons: number }).persons).toBeGreaterThan(0);
  });

  it('query, help and errors', async () => {
    const query = await same(['query', 'SELECT count(*) AS n FROM persons', '--format', 'csv', '--db', db]);
    expect(query.stdout).toMatch(/^n\n\d+\n$/);
    expect((await same(['--help'])).stdout).toMatch(/^Usage: onecode /);
    expect(await same(['frob'])).toEqual({ code: 2, stdout: '', stderr: "onecode: unknown command 'frob'\n" });
    expect((await same(['status', '--db', path.join(ws.dir, 'none.duckdb')])).code).toBe(2);
  });
});

describe('files read at run time', () => {
  it('resolve to the same paths from dist/ as from src/', async () => {
    const probe = `
      const root = await import('./dist/src/package-root.js');
      const consoleFiles = await import('./dist/src/api/routes/console-files.js');
      const regions = await import('./dist/src/identifiers/region-codes.js');
      const extensions = await import('./dist/src/index/duckdb-extensions.js');
      console.log(JSON.stringify({ root: root.PACKAGE_ROOT, console: consoleFiles.CONSOLE_DIR, regions: regions.knownRegionCodes().size, extensions: extensions.duckdbExtensionDirectory({}) }));`;
    const r = await node(['--input-type=module', '-e', probe]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ root: PACKAGE_ROOT, console: CONSOLE_DIR, regions: knownRegionCodes().size, extensions: duckdbExtensionDirectory({}) });
    expect(path.resolve(PACKAGE_ROOT)).toBe(path.resolve(REPO));
    expect(CONSOLE_DIR).toBe(path.join(REPO, 'src/console'));
    expect(knownRegionCodes().size).toBeGreaterThan(3000);
  });
});

describe('what validate and status load', () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-imports-'));
    // Records every module resolved through import (a resolve hook) and every CommonJS module
    // required (the require cache at exit), one URL a line, into $ONECODE_TEST_IMPORTS.
    await writeFile(path.join(dir, 'hooks.mjs'), `
      import { appendFileSync } from 'node:fs';
      let file;
      export function initialize(data) { file = data.file; }
      export async function resolve(specifier, context, next) {
        const resolved = await next(specifier, context);
        appendFileSync(file, resolved.url + '\\n');
        return resolved;
      }`);
    await writeFile(path.join(dir, 'record.mjs'), `
      import { appendFileSync } from 'node:fs';
      import { createRequire, register } from 'node:module';
      import { pathToFileURL } from 'node:url';
      const file = process.env.ONECODE_TEST_IMPORTS;
      register(new URL('./hooks.mjs', import.meta.url), { data: { file } });
      const require = createRequire(import.meta.url);
      process.on('exit', () => appendFileSync(file, Object.keys(require.cache).map((f) => pathToFileURL(f).href + '\\n').join('')));`);
    db = path.join(dir, 'index.duckdb');
    const { openIndex } = await import('../../src/index/open-index.ts');
    (await openIndex(db)).close();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  /** The packages (node_modules folder names) a compiled CLI command loaded. */
  const packagesLoaded = async (args: string[]): Promise<string[]> => (await modulesLoaded(args)).packages;

  /** The packages (node_modules folder names) and every module URL a compiled CLI command loaded. */
  const modulesLoaded = async (args: string[]): Promise<{ packages: string[]; urls: string[] }> => {
    const list = path.join(dir, `${args[0]}.imports`);
    const r = await node(['--import', pathToFileURL(path.join(dir, 'record.mjs')).href, path.join(REPO, 'bin/onecode.js'), ...args], { env: { ONECODE_TEST_IMPORTS: list } });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const urls = (await readFile(list, 'utf8')).split('\n').filter((u) => u.startsWith('file:'));
    expect(urls.some((u) => u.includes('/dist/src/cli.js'))).toBe(true);
    const names = urls.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(fileURLToPath(u))?.[1]).filter((n): n is string => n !== undefined);
    return { packages: [...new Set(names)].sort(), urls };
  };

  it('validate: commander only (no DuckDB, Kafka client, HTTP server, database drivers, workbook readers, logger)', async () => {
    expect(await packagesLoaded(['validate', '35020319900228108x'])).toEqual(['commander']);
  });

  it('status: commander and DuckDB only, its Node API from the one bundled file (scripts/build.js)', async () => {
    const { packages, urls } = await modulesLoaded(['status', '--db', db]);
    expect(urls.some((u) => u.endsWith('/dist/src/vendor/duckdb-node-api.cjs'))).toBe(true);
    // the package's own 124 files are not loaded beside the bundle; its native binding is
    expect(packages).not.toContain('@duckdb/node-api');
    expect(packages).toContain('@duckdb/node-bindings');
    expect(packages.filter((p) => !p.startsWith('@duckdb/') && p !== 'detect-libc')).toEqual(['commander']);
  });
});
