/**
 * `npm run db:sample`: two sample systems read where they live. Loads the sample export of the
 * accounting personnel registry into a PostgreSQL table and that of the bookkeeping agencies into
 * a MariaDB table (the local servers of scripts/postgres.sh and scripts/mysql.sh, which
 * `npm run db:start` starts; every value as text, as the systems' exports hold them), then runs
 * the pipelines of examples/databases/ into data/onecode-databases.duckdb with the connection URLs
 * in the environment variables those pipelines name.
 *
 * ONECODE_SAMPLE_POSTGRES_URL and ONECODE_SAMPLE_MYSQL_URL, when set, name other servers (tests).
 * Test-only servers and credentials: never point this at a real system (it replaces the tables).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { generateSample } from '../src/sample/generate.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the sample is written and which index the runs write: data/ unless ONECODE_SAMPLE_DIR names another folder (tests). */
const DATA = process.env.ONECODE_SAMPLE_DIR ?? path.join(ROOT, 'data');
const SAMPLE = path.join(DATA, 'sample');

/** The URL of a server: the variable the example pipelines name when it is set, else what the local server script prints (`status`), or a clear stop. */
function serverUrl(script: string, variable: string): string {
  const given = process.env[variable];
  if (given) return given;
  const result = spawnSync('bash', [path.join(ROOT, 'scripts', script), 'status'], { encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`db-sample: ${script} reports no server running: start both with npm run db:start\n`);
    process.exit(2);
  }
  return result.stdout.trim().split('\n').pop()!;
}

/** A CSV export of the sample as a header and rows of text. */
async function readExport(file: string, encoding: string): Promise<{ columns: string[]; rows: string[][] }> {
  const text = iconv.decode(await readFile(path.join(SAMPLE, file)), encoding).replace(/^\uFEFF/, '');
  // relax_column_count: the export's malformed rows are kept (padded or cut), as a department's table would hold them
  const records = parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as string[][];
  const [columns, ...rows] = records;
  return { columns: columns!, rows: rows.map((r) => columns!.map((_, i) => r[i] ?? '')) };
}

async function loadPostgres(url: string): Promise<number> {
  const { columns, rows } = await readExport('accounting-staff.gbk.csv', 'gbk');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
    await client.query('DROP TABLE IF EXISTS public.accounting_staff');
    await client.query(`CREATE TABLE public.accounting_staff (${columns.map((c) => `${q(c)} text`).join(', ')})`);
    for (let i = 0; i < rows.length; i += 200) {
      const batch = rows.slice(i, i + 200);
      const values = batch.map((r, b) => `(${r.map((_, j) => `$${b * columns.length + j + 1}`).join(', ')})`).join(', ');
      await client.query(`INSERT INTO public.accounting_staff VALUES ${values}`, batch.flat().map((v) => (v === '' ? null : v)));
    }
    return rows.length;
  } finally {
    await client.end();
  }
}

async function loadMysql(url: string): Promise<number> {
  const { columns, rows } = await readExport('bookkeeping-agencies.csv', 'utf-8');
  const connection = await mysql.createConnection({ uri: url, charset: 'utf8mb4' });
  try {
    const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;
    await connection.query('DROP TABLE IF EXISTS bookkeeping_agencies');
    await connection.query(`CREATE TABLE bookkeeping_agencies (${columns.map((c) => `${q(c)} TEXT`).join(', ')}) CHARACTER SET utf8mb4`);
    for (let i = 0; i < rows.length; i += 200) {
      const batch = rows.slice(i, i + 200).map((r) => r.map((v) => (v === '' ? null : v)));
      await connection.query(`INSERT INTO bookkeeping_agencies VALUES ?`, [batch]);
    }
    return rows.length;
  } finally {
    await connection.end();
  }
}

const postgresUrl = serverUrl('postgres.sh', 'ONECODE_SAMPLE_POSTGRES_URL');
const mysqlUrl = serverUrl('mysql.sh', 'ONECODE_SAMPLE_MYSQL_URL');
await generateSample({ outDir: SAMPLE });
process.stdout.write(`loaded ${await loadPostgres(postgresUrl)} rows into PostgreSQL table public.accounting_staff\n`);
process.stdout.write(`loaded ${await loadMysql(mysqlUrl)} rows into MariaDB table bookkeeping_agencies\n`);
const index = path.join(DATA, 'onecode-databases.duckdb');
execFileSync(process.execPath, [path.join(ROOT, 'bin', 'onecode.js'), 'run', '--all', '--no-push', '--pipelines', path.join(ROOT, 'examples', 'databases'), '--db', index], {
  stdio: 'inherit',
  env: { ...process.env, ONECODE_SAMPLE_POSTGRES_URL: postgresUrl, ONECODE_SAMPLE_MYSQL_URL: mysqlUrl },
});
process.stdout.write(`the index is ${path.relative(process.cwd(), index)}: look around with npx onecode status --db ${path.relative(process.cwd(), index)}\n`);
