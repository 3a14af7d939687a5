/**
 * The index encrypted at rest (issue 10): with ONECODE_INDEX_KEY_FILE set, the index file, its
 * write-ahead log, serve's snapshot and DuckDB's temporary files hold no ID number of the sample,
 * neither for `strings` nor for a scan of the bytes; without the key DuckDB refuses the file and
 * onecode says which file and which variable; with it every command works as on a plain index.
 * Every check that finds nothing in an encrypted file is run on the plain one too, where it finds.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFile, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexKey } from '../../src/index/index-key.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { readServeState, snapshotPathOf } from '../../src/serve/serve-files.ts';
import { onecode } from '../support/cli.ts';
import { codesByStrings, codesInFile } from '../support/codes-in-bytes.ts';
import { REPO } from '../support/workspace.ts';

let dir: string;
let keyHex: string;
let keyFile: string;
let wrongKeyFile: string;
let plainDb: string;
let encDb: string;
/** Every ID number (persons, legal representatives) and USCC the sample's index holds. */
let codes: Set<string>;

const silent = { ONECODE_LOG_LEVEL: 'silent', KAFKA_BROKERS: '' };
const withKey = (file = keyFile) => ({ ...silent, ONECODE_INDEX_KEY_FILE: file });
const noKey = { ...silent, ONECODE_INDEX_KEY_FILE: '' };

async function writeKey(name: string, hex: string, mode = 0o600): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${hex}\n`, { mode });
  return file;
}

/** The files of the index `db` (the database, its WAL, snapshot, temporary folder's files). */
async function filesOf(db: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(path.dirname(db), { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && full.startsWith(db)) files.push(full);
  }
  return files;
}

/** A one-row answer of `onecode query` (JSON). */
async function queryOne(db: string, sql: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  const q = await onecode(['query', sql, '--format', 'json', '--db', db], { cwd: dir, env });
  expect(q.code, q.stderr).toBe(0);
  return (JSON.parse(q.stdout) as Record<string, unknown>[])[0]!;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-encryption-'));
  await cp(path.join(REPO, 'pipelines'), path.join(dir, 'pipelines'), { recursive: true });
  await generateSample({ outDir: path.join(dir, 'data/sample'), seed: 1, scale: 1 });
  keyHex = randomBytes(32).toString('hex');
  keyFile = await writeKey('index.key', keyHex);
  wrongKeyFile = await writeKey('wrong.key', randomBytes(32).toString('hex'));
  plainDb = path.join(dir, 'plain.duckdb');
  encDb = path.join(dir, 'enc.duckdb');
  const pipelines = path.join(dir, 'pipelines');
  const encrypted = await onecode(['run', '--all', '--pipelines', pipelines, '--db', encDb], { cwd: dir, env: withKey() });
  expect(encrypted.code, encrypted.stderr).toBe(0);
  const plain = await onecode(['run', '--all', '--pipelines', pipelines, '--db', plainDb], { cwd: dir, env: noKey });
  expect(plain.code, plain.stderr).toBe(0);
  const index = await openIndex(plainDb, { readOnly: true, key: null });
  try {
    const rows = (await index.connection.runAndReadAll(`
      SELECT id_number FROM golden_person
      UNION SELECT legal_representative_id_number FROM golden_legal_person WHERE legal_representative_id_number IS NOT NULL
      UNION SELECT uscc FROM golden_legal_person`)).getRows();
    codes = new Set(rows.map((r) => String(r[0])).filter((c) => c.length === 18));
  } finally {
    index.close();
  }
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('an encrypted index', () => {
  it('after run --all holds no ID number or USCC of the sample, for strings or a byte scan; the plain index holds them', async () => {
    expect(codes.size).toBeGreaterThan(1000);
    // The checks can fail: on the plain index both find codes of the sample.
    expect((await codesInFile(plainDb, codes)).size).toBeGreaterThan(100);
    expect((await codesByStrings(plainDb, codes)).size).toBeGreaterThan(100);

    const files = await filesOf(encDb);
    expect(files).toContain(encDb);
    for (const file of files) expect([...(await codesInFile(file, codes))], file).toEqual([]);
    expect([...(await codesByStrings(encDb, codes))]).toEqual([]);
  });

  it('is refused by DuckDB without the key, and onecode names the file and the variable, never the key', async () => {
    await expect(DuckDBInstance.create(encDb, { access_mode: 'READ_ONLY' })).rejects.toThrow(/Cannot open encrypted database .*enc\.duckdb.* without a key/);

    const none = await onecode(['status', '--db', encDb], { cwd: dir, env: noKey });
    expect(none).toMatchObject({ code: 2, stdout: '', stderr: `onecode: ${encDb}: the index is encrypted: set ONECODE_INDEX_KEY_FILE to the file of its key\n` });

    const wrong = await onecode(['lookup', [...codes][0]!, '--db', encDb], { cwd: dir, env: withKey(wrongKeyFile) });
    expect(wrong).toMatchObject({ code: 2, stdout: '', stderr: `onecode: ${encDb}: the key in ${wrongKeyFile} (ONECODE_INDEX_KEY_FILE) does not open this index: it was encrypted with another key\n` });
    const wrongHex = (await readFile(wrongKeyFile, 'utf8')).trim();
    for (const secret of [keyHex, wrongHex, Buffer.from(keyHex, 'hex').toString('base64'), Buffer.from(wrongHex, 'hex').toString('base64')]) {
      expect(none.stderr + wrong.stderr).not.toContain(secret);
    }

    const plainWithKey = await onecode(['status', '--db', plainDb], { cwd: dir, env: withKey() });
    expect(plainWithKey.code).toBe(2);
    expect(plainWithKey.stderr).toBe(`onecode: ${plainDb}: ONECODE_INDEX_KEY_FILE is set but this index is not encrypted: unset it, or encrypt the index first ('onecode encrypt-index', docs/security.md)\n`);

    const open = await writeKey('open.key', keyHex, 0o644);
    const openKey = await onecode(['status', '--db', encDb], { cwd: dir, env: withKey(open) });
    expect(openKey).toMatchObject({ code: 2, stderr: `onecode: ${open} (ONECODE_INDEX_KEY_FILE): the key file is readable by others (mode 644): chmod 600 it\n` });
    const short = await onecode(['status', '--db', encDb], { cwd: dir, env: withKey(await writeKey('short.key', keyHex.slice(0, 32))) });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/short\.key \(ONECODE_INDEX_KEY_FILE\): a key file holds one line of hex, at least 64 characters/);
  });

  it('answers status, query and lookup with the key as the plain index does, and takes another run', async () => {
    const count = 'SELECT (SELECT count(*) FROM persons) AS persons, (SELECT count(*) FROM legal_persons) AS legal_persons, (SELECT count(*) FROM records) AS records, (SELECT count(*) FROM quarantine) AS quarantined';
    const encCounts = await queryOne(encDb, count, withKey());
    expect(encCounts).toEqual(await queryOne(plainDb, count, noKey));
    expect(Number(encCounts.persons)).toBeGreaterThan(1000);

    const status = await onecode(['status', '--json', '--db', encDb], { cwd: dir, env: withKey() });
    expect(status.code, status.stderr).toBe(0);
    type Status = { persons: number; legal_persons: number; records: unknown[]; quarantine: unknown[] };
    const pick = (s: Status) => ({ persons: s.persons, legal_persons: s.legal_persons, records: s.records, quarantine: s.quarantine });
    const plainStatus = pick(JSON.parse((await onecode(['status', '--json', '--db', plainDb], { cwd: dir, env: noKey })).stdout) as Status);
    expect(pick(JSON.parse(status.stdout) as Status)).toEqual(plainStatus);
    expect(plainStatus.records.length).toBe(7); // five systems and the two licence files

    const { id_number: code } = await queryOne(encDb, 'SELECT id_number FROM persons ORDER BY id_number LIMIT 1', withKey());
    const lookup = async (db: string, env: Record<string, string>) => {
      const l = await onecode(['lookup', String(code), '--db', db], { cwd: dir, env });
      expect(l.code, l.stderr).toBe(0);
      return JSON.parse(l.stdout) as { person: unknown; systems: unknown[] };
    };
    const [fromEnc, fromPlain] = [await lookup(encDb, withKey()), await lookup(plainDb, noKey)];
    expect(fromEnc.person).toBeTruthy();
    expect(fromEnc.systems.length).toBeGreaterThan(0);
    expect(fromEnc.person).toEqual(fromPlain.person);
    expect(fromEnc.systems.length).toBe(fromPlain.systems.length);

    const again = await onecode(['run', 'subsidy-payments', '--pipelines', path.join(dir, 'pipelines'), '--db', encDb], { cwd: dir, env: withKey() });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/subsidy-payments\s+│ succeeded/);
  });

  it('is AES-256-GCM to DuckDB, and its temporary files, spilled by a sort larger than memory, hold no code (a plain index\'s do)', async () => {
    const key = new IndexKey(Buffer.from(keyHex, 'hex'), keyFile);
    const spill = async (db: string, indexKey: IndexKey | null) => {
      const index = await openIndex(db, { key: indexKey });
      try {
        const c = index.connection;
        const info = (await c.runAndReadAll(`SELECT encrypted, cipher FROM duckdb_databases() WHERE database_name = current_database()`)).getRowObjectsJson()[0];
        const settings = (await c.runAndReadAll(`SELECT current_setting('temp_directory') AS dir, current_setting('temp_file_encryption') AS encrypt`)).getRowObjectsJson()[0]!;
        await c.run(`SET memory_limit = '40MB'; SET threads = 1; SET preserve_insertion_order = false`);
        // about 2,000,000 rows of codes, sorted: more than 40 MB, so DuckDB spills to <index>.tmp/
        const sorting = c.run(`CREATE TEMP TABLE spilled AS SELECT p.id_number, r.range AS n FROM golden_person p, range(1400) r ORDER BY md5(p.id_number || r.range)`);
        let done = false;
        void sorting.then(() => (done = true), () => (done = true));
        const seen = { files: 0, codes: new Set<string>() };
        while (!done) {
          for (const file of await readdir(String(settings.dir)).catch(() => [] as string[])) {
            const found = await codesInFile(path.join(String(settings.dir), file), codes).catch(() => undefined); // removed meanwhile
            if (found === undefined) continue;
            seen.files += 1;
            for (const code of found) seen.codes.add(code);
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        await sorting;
        return { info, settings, seen };
      } finally {
        index.close();
      }
    };
    const enc = await spill(encDb, key);
    expect(enc.info).toEqual({ encrypted: true, cipher: 'GCM' });
    expect(enc.settings).toEqual({ dir: `${encDb}.tmp`, encrypt: true });
    expect(enc.seen.files).toBeGreaterThan(0);
    expect([...enc.seen.codes]).toEqual([]);

    const plain = await spill(plainDb, null);
    expect(plain.info).toEqual({ encrypted: false, cipher: null });
    expect(plain.seen.files).toBeGreaterThan(0);
    expect(plain.seen.codes.size).toBeGreaterThan(0);
  });

  it('a key never shows when logged, inspected or serialised', () => {
    const key = new IndexKey(Buffer.from(keyHex, 'hex'), keyFile);
    const base64 = Buffer.from(keyHex, 'hex').toString('base64');
    for (const shown of [inspect(key), JSON.stringify(key), JSON.stringify({ key }), `${String(key)}`, inspect({ nested: { key } }, { depth: 5, showHidden: true })]) {
      expect(shown).not.toContain(base64);
      expect(shown).not.toContain(keyHex);
    }
    expect(JSON.parse(JSON.stringify(key))).toEqual({ file: keyFile });
    expect(() => new IndexKey(randomBytes(16), keyFile)).toThrow(/at least 32 bytes/);
  });
});

describe('onecode encrypt-index', () => {
  it('encrypts a plain index in place, keeping what it holds; an encrypted one is left alone', async () => {
    const db = path.join(dir, 'converted.duckdb');
    await copyFile(plainDb, db);
    const count = 'SELECT (SELECT count(*) FROM records) AS records, (SELECT max(seq) FROM outbox) AS last_seq, (SELECT count(*) FROM runs) AS runs';
    const before = await queryOne(db, count, noKey);
    expect((await codesInFile(db, codes)).size).toBeGreaterThan(100);
    // Plain copies beside it, as a stopped serve (snapshots) and DuckDB (temporary files) leave them.
    await copyFile(plainDb, snapshotPathOf(db));
    await copyFile(plainDb, `${snapshotPathOf(db)}.tmp`);
    await mkdir(`${db}.tmp`, { recursive: true });
    await copyFile(plainDb, path.join(`${db}.tmp`, 'duckdb_temp_storage-0.tmp'));
    await writeFile(`${db}.serve.json`, JSON.stringify({ pid: 2 ** 22 + 1, started_at: new Date().toISOString() }), { mode: 0o600 });
    expect((await codesByStrings(snapshotPathOf(db), codes)).size).toBeGreaterThan(100);

    const encrypted = await onecode(['encrypt-index', '--db', db], { cwd: dir, env: withKey() });
    expect(encrypted.code, encrypted.stderr).toBe(0);
    expect(encrypted.stdout).toMatch(new RegExp(`^${db}: encrypted with the key in ${keyFile} \\(\\d+ bytes\\)`));
    for (const file of await filesOf(db)) {
      expect([...(await codesInFile(file, codes))], file).toEqual([]);
      expect([...(await codesByStrings(file, codes))], file).toEqual([]);
    }
    expect(await filesOf(db)).toEqual([db]);
    expect(await queryOne(db, count, withKey())).toEqual(before);
    expect((await onecode(['status', '--db', db], { cwd: dir, env: noKey })).code).toBe(2);

    const twice = await onecode(['encrypt-index', '--db', db], { cwd: dir, env: withKey() });
    expect(twice).toMatchObject({ code: 2, stderr: `onecode: ${db}: the index is already encrypted (open it with ONECODE_INDEX_KEY_FILE)\n` });
    const noKeyGiven = await onecode(['encrypt-index', '--db', db], { cwd: dir, env: noKey });
    expect(noKeyGiven.code).toBe(2);
    expect(noKeyGiven.stderr).toMatch(/^onecode: set ONECODE_INDEX_KEY_FILE to a key file/);
  });
});

describe("serve's snapshot of an encrypted index", () => {
  it('is encrypted with the same key; status reads it with the key and is refused without', async () => {
    const pipelines = path.join(dir, 'serve-pipelines');
    await cp(path.join(dir, 'pipelines'), pipelines, { recursive: true });
    // a schedule that does not fire during the test: serve writes its first snapshot on start
    await appendFile(path.join(pipelines, 'subsidy-payments.yaml'), "schedule: '0 0 1 1 *'\n");
    const serve = spawn(process.execPath, [path.join(REPO, 'bin/onecode.js'), 'serve', '--pipelines', pipelines, '--db', encDb], {
      cwd: dir,
      env: { ...process.env, CI: 'true', ...withKey() },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    serve.stderr!.on('data', (d) => (stderr += d));
    const exited = once(serve, 'exit');
    try {
      const deadline = Date.now() + 60_000;
      while ((await readServeState(encDb))?.snapshot_at === undefined) {
        if (Date.now() > deadline || serve.exitCode !== null) throw new Error(`serve wrote no snapshot; stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const snapshot = snapshotPathOf(encDb);
      const files = await filesOf(encDb);
      expect(files).toContain(snapshot);
      for (const file of files) expect([...(await codesInFile(file, codes))], file).toEqual([]);
      expect([...(await codesByStrings(snapshot, codes))]).toEqual([]);
      await expect(DuckDBInstance.create(snapshot, { access_mode: 'READ_ONLY' })).rejects.toThrow(/without a key/);

      const status = await onecode(['status', '--json', '--db', encDb], { cwd: dir, env: withKey() });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stderr).toMatch(new RegExp(`is held by onecode serve \\(pid ${serve.pid}\\); reading its snapshot of `));
      expect((JSON.parse(status.stdout) as { persons: number }).persons).toBeGreaterThan(1000);
      const refused = await onecode(['status', '--db', encDb], { cwd: dir, env: noKey });
      expect(refused).toMatchObject({ code: 2, stderr: `onecode: ${snapshot}: the index is encrypted: set ONECODE_INDEX_KEY_FILE to the file of its key\n` });
    } finally {
      serve.kill('SIGTERM');
      await exited;
    }
    expect(serve.exitCode, stderr).toBe(0);
  });
});
