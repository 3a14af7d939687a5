/**
 * dlt (dlthub, from PyPI) as an optional peer of the index figure: bench/peers/dlt_persons.py run
 * in a virtual environment of its own under .cache/bench-venv, made by the benchmark itself the
 * first time (`python3 -m venv`, then `pip install dlt[duckdb] pyarrow`). Where python3, its venv
 * module or PyPI is missing, the peer is skipped with a message saying why; the rest of the
 * benchmark goes on.
 */
import { execFile, spawnSync } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The peer's virtual environment (kept between runs; `rm -rf .cache/bench-venv` installs afresh). */
export const DLT_VENV = path.join(REPO, '.cache/bench-venv');
const SCRIPT = fileURLToPath(new URL('./dlt_persons.py', import.meta.url));
const python = path.join(DLT_VENV, 'bin/python');

/** What one dlt load measured (bench/peers/dlt_persons.py's JSON line). */
export interface DltLoad {
  /** Seconds of `pipeline.run`, interpreter start and imports excluded. */
  seconds: number;
  rows_read: number;
  rows_valid: number;
  rows_loaded: number;
}

/** The dlt peer, ready to run, or why it cannot. */
export type DltPeer = { ready: true; version: string; load(csv: string, workdir: string): Promise<DltLoad> } | { ready: false; reason: string };

/**
 * Makes the virtual environment and installs dlt into it where it is not there yet (a few
 * minutes the first time), and returns the peer; never throws: a peer that cannot be had is
 * `ready: false` with the reason.
 */
export async function dltPeer(log: (line: string) => void): Promise<DltPeer> {
  if (spawnSync('python3', ['--version']).status !== 0) return { ready: false, reason: 'python3 not found (install Python 3.9 or later to compare with dlt)' };
  try {
    const installed = await access(python).then(() => true, () => false);
    if (!installed) {
      log(`dlt: making ${path.relative(REPO, DLT_VENV)} (python3 -m venv) …`);
      await run('python3', ['-m', 'venv', DLT_VENV]);
    }
    const has = spawnSync(python, ['-c', 'import dlt, duckdb, pyarrow']).status === 0;
    if (!has) {
      log('dlt: pip install dlt[duckdb] pyarrow (PyPI) …');
      await run(path.join(DLT_VENV, 'bin/pip'), ['install', '--quiet', 'dlt[duckdb]', 'pyarrow'], { maxBuffer: 1 << 24, timeout: 900_000 });
    }
    const { stdout } = await run(python, ['-c', 'import dlt, pyarrow; print(dlt.__version__, pyarrow.__version__)']);
    const [dlt, arrow] = stdout.trim().split(' ');
    return {
      ready: true,
      version: `dlt ${dlt}, pyarrow ${arrow}`,
      async load(csv, workdir) {
        const { stdout: out } = await run(python, [SCRIPT, csv, workdir], { env: { ...process.env, RUNTIME__LOG_LEVEL: 'ERROR' }, maxBuffer: 1 << 22 });
        return JSON.parse(out.trim().split('\n').pop()!) as DltLoad;
      },
    };
  } catch (error) {
    const first = (error as Error).message.split('\n')[0];
    return { ready: false, reason: `could not install dlt into ${path.relative(REPO, DLT_VENV)}: ${first} (python3-venv and PyPI are needed)` };
  }
}
