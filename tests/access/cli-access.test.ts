/**
 * Issue 10 at the CLI, as a user runs it (bin/onecode.js in a process of its own): `lookup` and
 * `query` run as the steward unless told otherwise and record each access as `cli:<OS user>`;
 * `--role analyst` masks or pseudonymises; `audit --code` lists who looked at a code, found by
 * any of its forms; `token add | list | revoke` round trip.
 */
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/access/tokens.ts';
import type { LookupDocument } from '../../src/index/lookup.ts';
import { onecode } from '../support/cli.ts';
import { indexedSample, richPerson } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

const USER = `cli:${os.userInfo().username}`;

let ws: Workspace;
let db: string;
let person: { id: string; alias15: string; uscc: string };
let name: string;
/** A person of the sample holding a licence valid for a while yet. */
let licence: { one_code: string; licence_type_code: string; licence_identifier: string };
beforeAll(async () => {
  ws = await indexedSample(4);
  person = await richPerson(ws);
  name = String((await ws.rows(`SELECT name FROM persons WHERE id_number = '${person.id}'`))[0]!.name);
  db = path.join(ws.dir, 'index.duckdb');
  licence = (await ws.rows(`
    SELECT one_code, licence_type_code, licence_identifier FROM source_record
    WHERE entity = 'licence' AND code_kind = 'resident_id' AND licence_status = '有效' AND TRY_CAST(valid_to AS DATE) > current_date + 30
    ORDER BY one_code LIMIT 1`))[0] as typeof licence;
  await ws.index.connection.run('CHECKPOINT');
  ws.index.close();
  ws.index.close = () => undefined;
});
afterAll(() => ws.dispose());

describe('onecode lookup, query and audit', () => {
  it('lookup runs as the steward unless told otherwise; an analyst sees the masks', async () => {
    const steward = await onecode(['lookup', person.id, '--db', db]);
    expect(steward.code, steward.stderr).toBe(0);
    const clear = JSON.parse(steward.stdout) as LookupDocument;
    expect(clear.person!.name).toBe(name);
    const analyst = await onecode(['lookup', person.alias15, '--role', 'analyst', '--db', db]);
    expect(analyst.code, analyst.stderr).toBe(0);
    expect(analyst.stdout).not.toContain(person.id);
    expect(analyst.stdout).not.toContain(person.alias15);
    expect(analyst.stdout).not.toContain(name);
    const masked = JSON.parse(analyst.stdout) as LookupDocument;
    expect(masked.person!.id_number).toBe(`${person.id.slice(0, 6)}${'*'.repeat(11)}${person.id[17]}`);
    const operator = await onecode(['lookup', person.id, '--role', 'operator', '--db', db]);
    expect(operator).toMatchObject({ code: 2, stdout: '', stderr: 'onecode: the operator role may not look up codes\n' });
  });

  it('materials: the licence on file for a steward, masked for an analyst, each check recorded', async () => {
    const needs = `${licence.licence_type_code},NO-SUCH-TYPE`;
    const steward = await onecode(['materials', '--holder', licence.one_code, '--needs', needs, '--db', db]);
    expect(steward.code, steward.stderr).toBe(0);
    expect(steward.stderr).toMatch(/^onecode: 1 of 2 needed licence types on file and valid on \d{4}-\d{2}-\d{2}\n$/);
    const answer = JSON.parse(steward.stdout) as { holder: string; needs: Array<{ on_file: boolean; why_not: string | null; licence: { licence_identifier: string } | null }> };
    expect(answer.holder).toBe(licence.one_code);
    expect(answer.needs.map((n) => [n.on_file, n.why_not, n.licence?.licence_identifier ?? null])).toEqual([[true, null, licence.licence_identifier], [false, 'none', null]]);
    const analyst = await onecode(['materials', '--holder', licence.one_code, '--needs', needs, '--role', 'analyst', '--db', db]);
    expect(analyst.code, analyst.stderr).toBe(0);
    expect(analyst.stdout).not.toContain(licence.one_code);
    expect(analyst.stdout).not.toContain(licence.licence_identifier);
    const bad = await onecode(['materials', '--holder', licence.one_code, '--needs', 'a;b', '--db', db]);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toContain('licence type 1 of the list is no type code');
    const audit = await onecode(['audit', '--code', licence.one_code, '--json', '--db', db]);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout.match(/"action": ?"materials"/g)).toHaveLength(2);
  });

  it('query: a steward sees clear values; an analyst the protected views only', async () => {
    const steward = await onecode(['query', `SELECT id_number, name FROM golden_person WHERE id_number = '${person.id}'`, '--format', 'json', '--db', db]);
    expect(steward.code, steward.stderr).toBe(0);
    expect(JSON.parse(steward.stdout)).toEqual([{ id_number: person.id, name }]);
    const analyst = await onecode(['query', `SELECT upper(name) AS n FROM persons WHERE employer_uscc IS NOT NULL`, '--format', 'csv', '--role', 'analyst', '--db', db]);
    expect(analyst.code, analyst.stderr).toBe(0);
    const names = analyst.stdout.trim().split('\n').slice(1);
    expect(names.length).toBeGreaterThan(100);
    expect(names.every((n) => n.includes('*'))).toBe(true);
    expect(names).not.toContain(name);
    const golden = await onecode(['query', 'SELECT * FROM golden_person', '--role', 'analyst', '--db', db]);
    expect(golden.code).toBe(2);
    expect(golden.stderr).toMatch(/^onecode: query failed: .*'golden_person' is not one of the views this role may read/);
  });

  it('pseudonymised with a key file: the pseudonym of a lookup joins in a query; no key, no answer', async () => {
    const keyFile = path.join(ws.dir, 'pseudonym.key');
    await writeFile(keyFile, 'a1'.repeat(32) + '\n', { mode: 0o600 });
    const env = { ONECODE_ANALYST_POLICY: 'pseudonymise', ONECODE_PSEUDONYM_KEY_FILE: keyFile };
    const lookup = await onecode(['lookup', person.id, '--role', 'analyst', '--db', db], { env });
    expect(lookup.code, lookup.stderr).toBe(0);
    const doc = JSON.parse(lookup.stdout) as LookupDocument;
    expect(doc.code).toMatch(/^p_[0-9a-f]{32}$/);
    const q = await onecode(['query', `SELECT count(*) AS n FROM relations WHERE from_code = '${doc.code}' OR to_code = '${doc.code}'`, '--format', 'json', '--role', 'analyst', '--db', db], { env });
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)[0].n).toBeGreaterThanOrEqual(2); // employer and legal representative
    const noKey = await onecode(['lookup', person.id, '--role', 'analyst', '--db', db], { env: { ONECODE_ANALYST_POLICY: 'pseudonymise', ONECODE_PSEUDONYM_KEY_FILE: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^onecode: the pseudonymise policy needs a key: set ONECODE_PSEUDONYM_KEY_FILE/);
  });

  it('audit --code lists the lookups and queries of the code, by any of its forms, with role and rows; it records itself', async () => {
    const audit = async (code: string) => {
      const r = await onecode(['audit', '--code', code, '--json', '--db', db]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { code: string; codes: string[]; accesses: Array<Record<string, unknown>> };
    };
    const byId = await audit(person.id);
    expect(byId.code).toBe(person.id);
    expect(byId.codes).toEqual(expect.arrayContaining([person.id, person.alias15]));
    const rows = byId.accesses.map((a) => ({ who: a.who, role: a.role, action: a.action, matched: a.matched, policy: a.policy }));
    expect(rows).toEqual(expect.arrayContaining([
      { who: USER, role: 'steward', action: 'lookup', matched: 'looked_up', policy: 'clear' },
      { who: USER, role: 'analyst', action: 'lookup', matched: 'looked_up', policy: 'mask' },
      { who: USER, role: 'analyst', action: 'lookup', matched: 'looked_up', policy: 'pseudonymise' },
      { who: USER, role: 'steward', action: 'query', matched: 'shown', policy: 'clear' },
    ]));
    const lookups = byId.accesses.filter((a) => a.action === 'lookup');
    expect(lookups.every((a) => typeof a.row_count === 'number' && a.row_count > 0)).toBe(true);
    expect(byId.accesses.find((a) => a.action === 'query')).toMatchObject({ row_count: 1, query: expect.stringContaining('golden_person') });
    // the analyst's queries showed no code in clear: not listed
    expect(byId.accesses.filter((a) => a.action === 'query' && a.role === 'analyst')).toEqual([]);
    // the 15-digit form and a dirty form find the same accesses, and the first audit
    const byAlias = await audit(person.alias15);
    expect(byAlias.code).toBe(person.id);
    expect(byAlias.accesses.slice(0, byId.accesses.length)).toEqual(byId.accesses);
    expect(byAlias.accesses.at(-1)).toMatchObject({ action: 'audit', role: 'steward', matched: 'looked_up', row_count: byId.accesses.length });
    const dirty = await audit(` ${person.id.slice(0, 6)} ${person.id.slice(6, 14)} ${person.id.slice(14).toLowerCase()} `);
    expect(dirty.accesses.length).toBe(byAlias.accesses.length + 1);
    expect(byId.accesses.every((a) => a.codes_capped === 0)).toBe(true);
    // a steward's query showing more codes than an access keeps: the table says so
    const many = await onecode(['query', 'SELECT id_number FROM persons ORDER BY id_number', '--format', 'csv', '--db', db]);
    expect(many.code, many.stderr).toBe(0);
    expect(many.stdout.trim().split('\n').length).toBeGreaterThan(1001);
    const table = await onecode(['audit', '--code', person.uscc, '--db', db]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^\\d+ access\\(es\\) to ${person.uscc} \\(searched for ${person.uscc}`));
    expect(table.stdout).toContain('codes_capped');
    expect(table.stdout).toMatch(/\nnote: 1 access\(es\) kept only part of the codes they showed .* maybe_shown may have shown this code among them\n$/);
    expect(table.stdout).toContain('maybe_shown');
    expect(table.stdout).toContain('analyst'); // the analyst's lookup of the person showed the legal person it represents
    const invalid = await onecode(['audit', '--code', '350102198503171238', '--db', db]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).not.toContain('350102198503171238');
  });

  it('a missing index is not created by a lookup', async () => {
    const nowhere = path.join(ws.dir, 'nowhere.duckdb');
    const r = await onecode(['lookup', person.id, '--db', nowhere]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`onecode: ${nowhere}: no index here yet; run 'onecode run --all' first (or pass --db)\n`);
    await expect(access(nowhere)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('onecode token', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-token-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('add prints the token once, list shows names and roles, revoke removes it', async () => {
    const file = path.join(dir, 'tokens.json');
    const env = { ONECODE_TOKENS_FILE: file };
    const added = await onecode(['token', 'add', 'alice', '--role', 'analyst'], { env });
    expect(added.code, added.stderr).toBe(0);
    const token = added.stdout.trim();
    expect(token).toMatch(/^oc_[A-Za-z0-9_-]{43}$/);
    expect(added.stderr).toContain('only time it is shown');
    expect(await readFile(file, 'utf8')).not.toContain(token);
    expect(await createTokenVerifier(file).verify(token)).toEqual({ name: 'alice', role: 'analyst' });
    expect((await onecode(['token', 'add', 'ops', '--role', 'operator'], { env })).code).toBe(0);
    const list = await onecode(['token', 'list', '--json'], { env });
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(listed.map((t) => [t.name, t.role])).toEqual([['alice', 'analyst'], ['ops', 'operator']]);
    expect(Object.keys(listed[0]!).sort()).toEqual(['created_at', 'name', 'role']);
    expect((await onecode(['token', 'list'], { env })).stdout).not.toContain('sm3:');
    expect(await onecode(['token', 'add', 'alice', '--role', 'steward'], { env })).toMatchObject({ code: 2, stdout: '' });
    expect(await onecode(['token', 'revoke', 'alice'], { env })).toMatchObject({ code: 0, stdout: 'revoked alice\n' });
    expect(await createTokenVerifier(file).verify(token)).toBeUndefined();
    expect(await onecode(['token', 'revoke', 'alice'], { env })).toMatchObject({ code: 2, stderr: `onecode: ${file}: no token named 'alice' (onecode token list shows them)\n` });
    expect(await onecode(['token', 'add', 'bob'], { env })).toMatchObject({ code: 2 }); // --role is required
    expect(await onecode(['token', 'list'], { env: { ONECODE_TOKENS_FILE: '' } })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^onecode: ONECODE_TOKENS_FILE is not set/) });
  });
});
