/**
 * Issue 8: output arrives whole through a real pipe (it was cut at 64 KiB with exit 0), and a
 * reader that closes the pipe early (`| head`) ends the command quietly with exit 0.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIndex } from '../../src/index/open-index.ts';
import { REPO } from '../support/workspace.ts';

const sh = promisify(execFile);
const ROWS = 60_000;
const BIG_QUERY = `SELECT range AS n, repeat('x', 100) AS pad FROM range(${ROWS})`;
/** For the table format (cli-table3 takes about 1 ms a row): fewer, wider rows, 12 MB printed. */
const TABLE_ROWS = 3_000;
const TABLE_QUERY = `SELECT range AS n, repeat('x', 1000) AS pad FROM range(${TABLE_ROWS})`;
/** The CSV that BIG_QUERY prints: a header, then `n,x…x` per row (6.5 MB). */
const BIG_CSV = 'n,pad\n' + Array.from({ length: ROWS }, (_, n) => `${n},${'x'.repeat(100)}\n`).join('');

/**
 * Runs a bash pipeline with the CLI as `$ONECODE`; resolves with its stdout, stderr and the CLI's
 * own exit code (`cli` is the CLI's position in the pipeline, from 0).
 */
async function pipeline(script: string, cwd: string, cli = 0): Promise<{ stdout: string; stderr: string; cliCode: number }> {
  const { stdout, stderr } = await sh('bash', ['-c', `${script}; echo "cli-exit=\${PIPESTATUS[${cli}]}" >&2`], {
    cwd,
    env: { ...process.env, CI: 'true', ONECODE: `${process.execPath} ${path.join(REPO, 'bin/onecode.js')}` },
    maxBuffer: 64 * 1024 * 1024,
  });
  const code = /cli-exit=(\d+)\n$/.exec(stderr);
  return { stdout, stderr: stderr.replace(/cli-exit=\d+\n$/, ''), cliCode: Number(code?.[1] ?? -1) };
}

describe('output through a pipe', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-pipe-'));
    (await openIndex(path.join(dir, 'index.duckdb'))).close();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('query: several MB arrive whole, in every format, as they do into a file', async () => {
    const csv = await pipeline(`$ONECODE query "${BIG_QUERY}" --format csv --db index.duckdb | cat > piped.csv`, dir);
    expect(csv).toMatchObject({ stderr: '', cliCode: 0 });
    const piped = await readFile(path.join(dir, 'piped.csv'), 'utf8');
    expect(piped.length).toBe(BIG_CSV.length);
    expect(piped).toBe(BIG_CSV);

    const counted = await pipeline(`$ONECODE query "${BIG_QUERY}" --format csv --db index.duckdb | wc -l`, dir);
    expect(counted.stdout.trim()).toBe(String(ROWS + 1));

    const json = await pipeline(`$ONECODE query "${BIG_QUERY}" --format json --db index.duckdb | cat`, dir);
    expect(json.cliCode).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<{ n: number; pad: string }>;
    expect(rows).toHaveLength(ROWS);
    expect(rows[ROWS - 1]).toEqual({ n: ROWS - 1, pad: 'x'.repeat(100) });

    await pipeline(`$ONECODE query "${TABLE_QUERY}" --db index.duckdb > to-file.txt`, dir);
    const table = await pipeline(`$ONECODE query "${TABLE_QUERY}" --db index.duckdb | cat > piped.txt`, dir);
    expect(table.cliCode).toBe(0);
    const toFile = await readFile(path.join(dir, 'to-file.txt'), 'utf8');
    const pipedTable = await readFile(path.join(dir, 'piped.txt'), 'utf8');
    expect(toFile.split('\n')).toHaveLength(2 * TABLE_ROWS + 4); // borders, header, rows and separators, final newline
    expect(Buffer.byteLength(pipedTable)).toBeGreaterThan(12_000_000);
    expect(pipedTable).toBe(toFile);
  });

  it('validate: 50,000 lines in, 50,000 JSON lines out through pipes', async () => {
    const values = Array.from({ length: 50_000 }, (_, i) => `91350100MA2Y8K3P${String(i % 100).padStart(2, '0')}`);
    await writeFile(path.join(dir, 'values.txt'), values.join('\n') + '\n');
    const r = await pipeline('cat values.txt | $ONECODE validate | cat', dir);
    expect(r).toMatchObject({ stderr: '', cliCode: 0 });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(values.length);
    expect(lines.map((l) => (JSON.parse(l) as { input: string }).input)).toEqual(values);
  });

  it('a reader that stops early ends the command quietly, exit 0', async () => {
    const head = await pipeline(`$ONECODE query "${BIG_QUERY}" --format csv --db index.duckdb | head -2`, dir);
    expect(head).toEqual({ stdout: `n,pad\n0,${'x'.repeat(100)}\n`, stderr: '', cliCode: 0 });
    const table = await pipeline(`$ONECODE query "${TABLE_QUERY}" --db index.duckdb | head -c 10`, dir);
    expect(table).toMatchObject({ stderr: '', cliCode: 0 });
    const values = await pipeline('yes 91350100MA2Y8K3P3P | head -200000 | $ONECODE validate | head -1', dir, 2);
    expect(values.stderr).toBe('');
    expect(values.cliCode).toBe(0);
    expect(JSON.parse(values.stdout)).toMatchObject({ input: '91350100MA2Y8K3P3P', status: 'valid' });
  });

  it('query: a query that fails part-way prints no rows and exits 2, never a cut output with exit 0', async () => {
    // The query fails at its last row. (A streaming read of @duckdb/node-api ends such a query
    // like one that is done: the rows before the failure, and exit 0.)
    const late = `SELECT CASE WHEN i < 500000 THEN i ELSE error('late') END AS n FROM range(500001) t(i)`;
    for (const format of ['csv', 'json', 'table']) {
      const r = await pipeline(`$ONECODE query "${late}" --format ${format} --db index.duckdb | wc -c`, dir);
      expect(r.cliCode, format).toBe(2);
      expect(r.stderr).toMatch(/^onecode: query failed: Invalid Input Error/m);
      expect(r.stdout.trim(), format).toBe('0');
    }
  });
});
