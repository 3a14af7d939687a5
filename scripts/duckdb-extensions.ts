/**
 * `npm run duckdb:extensions`: installs DuckDB's httpfs extension, which an encrypted index needs
 * (src/index/duckdb-extensions.ts says why), into onecode's own extension folder
 * (`.cache/duckdb/extensions`, or ONECODE_DUCKDB_EXTENSIONS), for the DuckDB version and platform
 * of the installed @duckdb/node-api. Nothing is installed into ~/.duckdb, and DuckDB's own extension
 * repository is not used: DuckDB publishes the same signed extension files as Python wheels
 * (`duckdb-extension-httpfs`) on the Python package index, which pip downloads (python3 -m pip).
 *
 * Three checks: the wheel's sha256 is the one pinned below for that version and platform (pip
 * checks it, `--require-hashes`, and so does this script), DuckDB checks the extension's signature
 * when it loads it, and the script then writes and reads back an encrypted database with it.
 *
 * Usage: tsx scripts/duckdb-extensions.ts [--wheel FILE]
 *   --wheel FILE  install from a wheel already downloaded (a machine without the network or pip);
 *                 its sha256 must still be the pinned one.
 * pip's own settings (PIP_INDEX_URL, pip.conf) choose the package index.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { DuckDBInstance } from '@duckdb/node-api';
import yauzl from 'yauzl';
import { duckdbExtensionDirectory, offlineExtensionSettings } from '../src/index/duckdb-extensions.ts';

const PACKAGE = 'duckdb-extension-httpfs';

/**
 * The wheels of `duckdb-extension-httpfs` per DuckDB version and DuckDB platform (`PRAGMA platform`),
 * with their sha256 as the package index lists them (its JSON simple API, PEP 691). A new DuckDB version (a new @duckdb/node-api)
 * needs its line here: DuckDB loads an extension only into the exact version it was built for.
 */
const PINNED_WHEELS: Record<string, Record<string, { wheel: string; sha256: string }>> = {
  'v1.5.5': {
    linux_amd64: { wheel: 'duckdb_extension_httpfs-1.5.5-py3-none-manylinux2014_x86_64.whl', sha256: '84913dbe172ccb54368de2c4a020c38ca8b0e76f99df548f7fac37934cc7826f' },
    linux_arm64: { wheel: 'duckdb_extension_httpfs-1.5.5-py3-none-manylinux2014_aarch64.whl', sha256: '567d17e398fc29f7ea4bc42ea277ea19643bd1ad1815f676cb6dd994b50399bb' },
    osx_amd64: { wheel: 'duckdb_extension_httpfs-1.5.5-py3-none-macosx_11_0_x86_64.whl', sha256: '5dc6e48e7a6d4c775d88fcd9b6529b385559600c0cd17a2600addfdd34ae3060' },
    osx_arm64: { wheel: 'duckdb_extension_httpfs-1.5.5-py3-none-macosx_11_0_arm64.whl', sha256: 'a6d9b245ac83834543354e826020b35b8dba16291bb876b2b00bd49f2c6aeb9d' },
    windows_amd64: { wheel: 'duckdb_extension_httpfs-1.5.5-py3-none-win_amd64.whl', sha256: '138fd4368906c04636642023c123bd564d1bd1b9b75cd762f9f9bfad6fccb1ba' },
  },
};

function fail(message: string): never {
  process.stderr.write(`duckdb-extensions: ${message}\n`);
  process.exit(1);
}

/** The DuckDB version (`v1.5.5`) and platform (`linux_amd64`) of the installed @duckdb/node-api. */
async function duckdbTarget(): Promise<{ version: string; platform: string }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const version = String((await connection.runAndReadAll('SELECT version()')).getRows()[0]![0]);
    const platform = String((await connection.runAndReadAll('PRAGMA platform')).getRows()[0]![0]);
    return { version, platform };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Loads httpfs from the extension folder in a fresh DuckDB (which checks its signature), then
 * writes an encrypted database with it and reads it back.
 * @returns undefined when it works, else DuckDB's reason.
 */
async function check(): Promise<string | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-httpfs-check-'));
  const instance = await DuckDBInstance.create(':memory:', offlineExtensionSettings());
  const connection = await instance.connect();
  try {
    await connection.run('LOAD httpfs');
    const file = path.join(dir, 'check.duckdb').replaceAll("'", "''");
    await connection.run(`ATTACH '${file}' AS checked (ENCRYPTION_KEY '${createHash('sha256').update(dir).digest('base64')}')`);
    await connection.run('CREATE TABLE checked.t AS SELECT 42 AS answer');
    const answer = Number((await connection.runAndReadAll('SELECT answer FROM checked.t')).getRows()[0]![0]);
    const encrypted = (await connection.runAndReadAll(`SELECT encrypted FROM duckdb_databases() WHERE database_name = 'checked'`)).getRows()[0]![0];
    if (answer !== 42 || encrypted !== true) return 'the encrypted test database did not read back';
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The wheel's bytes, downloaded by pip (the Python package index's own client, with its settings:
 * index, mirror, certificates) with `--require-hashes`, so pip itself refuses another file.
 */
async function download(wheel: string, sha256: string): Promise<Buffer> {
  const [, version, platformTag] = /^duckdb_extension_httpfs-([^-]+)-py3-none-(.+)\.whl$/.exec(wheel) ?? [];
  if (version === undefined || platformTag === undefined) fail(`cannot read the version and platform of ${wheel}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-httpfs-wheel-'));
  try {
    const requirements = path.join(dir, 'requirements.txt');
    await writeFile(requirements, `${PACKAGE}==${version} --hash=sha256:${sha256}\n`);
    const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--platform', platformTag, '--require-hashes', '-r', requirements, '--dest', path.join(dir, 'wheel')];
    const python = ['python3', 'python'].find((name) => spawnSync(name, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
    if (python === undefined) fail(`pip is needed to download ${wheel} (python3 -m pip); or download it elsewhere and pass --wheel FILE`);
    const pip = spawnSync(python, args, { encoding: 'utf8', timeout: 600_000 });
    if (pip.status !== 0) fail(`pip could not download ${wheel}:\n${(pip.stderr || pip.stdout || String(pip.error)).trim()}`);
    return await readFile(path.join(dir, 'wheel', wheel));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bytes of the one zip entry whose name ends with `suffix`. */
async function extract(wheelBytes: Buffer, suffix: string): Promise<Buffer> {
  const zip = await yauzl.fromBufferPromise(wheelBytes, { lazyEntries: true, validateEntrySizes: true });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith(suffix)) return await buffer(await zip.openReadStreamPromise(entry));
    }
  } finally {
    zip.close();
  }
  return fail(`the wheel has no file …${suffix}`);
}

async function main(): Promise<void> {
  const wheelArg = process.argv.indexOf('--wheel');
  const localWheel = wheelArg >= 0 ? process.argv[wheelArg + 1] : undefined;
  if (wheelArg >= 0 && localWheel === undefined) fail('--wheel needs a file');
  const { version, platform } = await duckdbTarget();
  const dir = duckdbExtensionDirectory();
  const target = path.join(dir, version, platform, 'httpfs.duckdb_extension');

  const present = await stat(target).then(() => true, () => false);
  if (present && (await check()) === undefined) {
    process.stdout.write(`httpfs for DuckDB ${version} ${platform} is installed in ${dir} (signature checked, encrypted write checked)\n`);
    return;
  }
  const pin = PINNED_WHEELS[version]?.[platform];
  if (pin === undefined) {
    fail(`no httpfs wheel is pinned for DuckDB ${version} on ${platform}: add its file name and sha256 (from the package index's listing of ${PACKAGE}) to PINNED_WHEELS in scripts/duckdb-extensions.ts`);
  }
  const wheelBytes = localWheel === undefined ? await download(pin.wheel, pin.sha256) : await readFile(localWheel);
  const actual = createHash('sha256').update(wheelBytes).digest('hex');
  if (actual !== pin.sha256) fail(`${localWheel ?? pin.wheel} has sha256 ${actual}, not the pinned ${pin.sha256}: not installed`);

  const extension = await extract(wheelBytes, `/extensions/${version}/httpfs.duckdb_extension`);
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  await writeFile(partial, extension);
  await rename(partial, target);
  const problem = await check();
  if (problem !== undefined) {
    await rm(target, { force: true });
    fail(`DuckDB refused the installed extension (${problem}); it was removed`);
  }
  process.stdout.write(`httpfs for DuckDB ${version} ${platform} installed in ${dir} from ${pin.wheel} (sha256 checked, signature checked, encrypted write checked)\n`);
}

await main();
