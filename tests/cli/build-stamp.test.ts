/**
 * bin/onecode.js never runs a stale build: it runs dist/ only while no source changed since the
 * build started (bin/build-stamp.js), else it says so in one line on stderr and runs the sources
 * through tsx. Tested on a small package of its own in a temporary folder (the bin and its rule
 * copied, a stand-in CLI compiled and in source), so that touching sources here cannot make the
 * other test files' CLI fall back.
 */
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildFreshness, newestSource, STAMP_FILE } from '../../bin/build-stamp.js';
import { runNode } from '../support/cli.ts';
import { REPO } from '../support/workspace.ts';

/** Runs `<dir>/bin/onecode.js` with `args` in `dir`; resolves with its exit code, stdout and stderr. */
const runBin = (dir: string, args: string[]) => runNode([path.join(dir, 'bin/onecode.js'), ...args], { cwd: dir });

const SOURCES = {
  // A type annotation: only tsx can run it, so "source" output proves the fallback ran the .ts file.
  'src/cli.ts': "export async function runCli(argv: string[]): Promise<void> { const from: string = 'source'; process.stdout.write(`${from} ${argv.join(' ')}\\n`); }\n",
  'src/identifiers/classify.ts': 'export const x = 1;\n',
  'connectors/csv.ts': 'export const y = 2;\n',
  'schemas/canonical.ts': 'export const z = 3;\n',
  'tsconfig.json': '{}\n',
  'tsconfig.build.json': '{}\n',
};
const COMPILED = "export async function runCli(argv) { process.stdout.write(`compiled ${argv.join(' ')}\\n`); }\n";

describe('the build stamp', () => {
  let dir: string;
  /** When the stand-in build started: sources are dated a minute before it unless a test touches them. */
  let started: number;

  /** Dates `relative` (a file or folder of the package) at `ms`. */
  const dateAt = (relative: string, ms: number) => utimes(path.join(dir, relative), ms / 1000, ms / 1000);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-stamp-'));
    await mkdir(path.join(dir, 'bin'));
    await cp(path.join(REPO, 'bin/onecode.js'), path.join(dir, 'bin/onecode.js'));
    await cp(path.join(REPO, 'bin/build-stamp.js'), path.join(dir, 'bin/build-stamp.js'));
    await symlink(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'stand-in', type: 'module', private: true }));
    for (const [file, text] of Object.entries(SOURCES)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    await mkdir(path.join(dir, 'dist/src'), { recursive: true });
    await writeFile(path.join(dir, 'dist/src/cli.js'), COMPILED);
    // whole seconds: utimes takes seconds, and a fraction could round below the stamp
    started = Math.floor(Date.now() / 1000) * 1000 - 30_000;
    await writeFile(path.join(dir, STAMP_FILE), JSON.stringify({ started }));
    // files first, then their folders (writing a file changes its folder's time)
    for (const file of Object.keys(SOURCES)) await dateAt(file, started - 60_000);
    for (const folder of ['src/identifiers', 'src', 'connectors', 'schemas']) await dateAt(folder, started - 60_000);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('a build newer than every source runs, with nothing on stderr', async () => {
    expect(buildFreshness(dir)).toEqual({ fresh: true });
    expect(await runBin(dir, ['validate', 'x'])).toEqual({ code: 0, stdout: 'compiled validate x\n', stderr: '' });
  });

  it('a source changed since the build: the sources run through tsx, and one line on stderr says why', async () => {
    await dateAt('src/cli.ts', Date.now());
    expect(buildFreshness(dir)).toEqual({ fresh: false, reason: 'src/cli.ts changed since the build' });
    const r = await runBin(dir, ['status']);
    expect(r).toMatchObject({ code: 0, stdout: 'source status\n' });
    expect(r.stderr).toBe('onecode: src/cli.ts changed since the build: running from the TypeScript sources (slow start; `npm run build` compiles them)\n');
  });

  it('an edit made while the build ran (at its start time or later) is stale too', async () => {
    await dateAt('src/identifiers/classify.ts', started);
    expect(buildFreshness(dir)).toEqual({ fresh: false, reason: 'src/identifiers/classify.ts changed since the build' });
  });

  it('a deleted source makes the build stale through its folder', async () => {
    await rm(path.join(dir, 'connectors/csv.ts'));
    expect(buildFreshness(dir)).toEqual({ fresh: false, reason: 'connectors changed since the build' });
    expect((await runBin(dir, ['x'])).stdout).toBe('source x\n');
  });

  it('a changed tsconfig makes the build stale', async () => {
    await writeFile(path.join(dir, 'tsconfig.build.json'), '{ "compilerOptions": {} }\n');
    expect(buildFreshness(dir)).toEqual({ fresh: false, reason: 'tsconfig.build.json changed since the build' });
  });

  it('no stamp, or a broken one, is no build', async () => {
    await writeFile(path.join(dir, STAMP_FILE), '{"started": "yesterday"}');
    expect(buildFreshness(dir)).toEqual({ fresh: false, reason: `unreadable build stamp ${STAMP_FILE}` });
    await rm(path.join(dir, STAMP_FILE));
    expect(buildFreshness(dir)).toEqual({ fresh: false, reason: 'no build (dist/ or its stamp is missing)' });
    const r = await runBin(dir, ['y']);
    expect(r.stdout).toBe('source y\n');
    expect(r.stderr).toMatch(/^onecode: no build \(dist\/ or its stamp is missing\): running from the TypeScript sources/);
  });

  it('newestSource names the newest file or folder', async () => {
    const at = Date.now() - 5_000;
    await dateAt('schemas/canonical.ts', at);
    expect(newestSource(dir)).toEqual({ mtimeMs: (await stat(path.join(dir, 'schemas/canonical.ts'))).mtimeMs, file: 'schemas/canonical.ts' });
  });
});

describe("the repository's own build", () => {
  it('its stamp holds the time the build started, before any file it wrote', async () => {
    // tests/support/build-dist.ts built dist/ before the tests when it was stale
    expect(buildFreshness(REPO)).toEqual({ fresh: true });
    const { started } = JSON.parse(await readFile(path.join(REPO, STAMP_FILE), 'utf8')) as { started: number };
    expect((await stat(path.join(REPO, 'dist/src/cli.js'))).mtimeMs).toBeGreaterThan(started);
    expect(newestSource(REPO).mtimeMs).toBeLessThan(started);
  });
});
