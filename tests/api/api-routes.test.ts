/**
 * The HTTP API of a real serve over an indexed sample, through real HTTP: who may do what (401,
 * 403 per role, decided before anything is looked up), pipelines and runs, a run started through
 * the API for a pipeline without a schedule, quarantine (row text for stewards only), flags,
 * outbox, push without a broker, status, health, the console's files, and what the request log
 * holds (route patterns, never a URL or a token).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os2 from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodeCollector } from '../../src/access/query-codes.ts';
import type { Role } from '../../src/access/roles.ts';
import { connectToIndex } from '../../src/index/open-index.ts';
import { startApiServe, waitFor, workspaceFiles, type ApiServe } from '../support/api-serve.ts';
import { onecode } from '../support/cli.ts';
import { indexedSample, richPerson } from '../support/indexed-sample.ts';
import { lookupCode } from '../../src/index/lookup.ts';
import { todayInChina } from '../../src/run/run-pipeline.ts';
import type { Workspace } from '../support/workspace.ts';

let sample: Workspace;
let api: ApiServe;
let consoleDir: string;
/** A person of the sample with an alias, an employer, a phone, who represents a legal person `uscc`. */
let rich: { id: string; alias15: string; uscc: string };

beforeAll(async () => {
  sample = await indexedSample(21);
  rich = await richPerson(sample);
  consoleDir = await mkdtemp(path.join(os.tmpdir(), 'onecode-console-'));
  await writeFile(path.join(consoleDir, 'index.html'), '<!doctype html><title>onecode</title><script type="module" src="/console/app.js"></script>');
  await writeFile(path.join(consoleDir, 'app.js'), 'export {};\n');
  await writeFile(path.join(consoleDir, 'notes.txt'), 'not a console file type');
  api = await startApiServe(sample, { consoleDir });
}, 300_000);

afterAll(async () => {
  await api?.stop();
  await sample?.dispose();
  if (consoleDir) await rm(consoleDir, { recursive: true, force: true });
});

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> });

/** Every route that needs a token, with the roles allowed. */
const GUARDED: Array<{ method: string; path: string; allowed: Role[]; body?: unknown }> = [
  { method: 'GET', path: '/metrics', allowed: ['operator'] },
  { method: 'GET', path: '/api/v1/whoami', allowed: ['operator', 'analyst', 'steward'] },
  { method: 'GET', path: '/api/v1/pipelines', allowed: ['operator', 'analyst', 'steward'] },
  { method: 'GET', path: '/api/v1/pipelines/accounting-staff/runs', allowed: ['operator', 'analyst', 'steward'] },
  { method: 'GET', path: '/api/v1/pipelines/accounting-staff/quarantine', allowed: ['operator', 'analyst', 'steward'] },
  { method: 'GET', path: '/api/v1/pipelines/accounting-staff/flags', allowed: ['operator', 'analyst', 'steward'] },
  { method: 'GET', path: '/api/v1/outbox', allowed: ['operator', 'analyst', 'steward'] },
  { method: 'GET', path: '/api/v1/status', allowed: ['operator', 'analyst', 'steward'] },
  { method: 'POST', path: '/api/v1/push', allowed: ['operator'] },
  { method: 'GET', path: '/api/v1/lookup/350102198503171237', allowed: ['analyst', 'steward'] },
  { method: 'POST', path: '/api/v1/query', allowed: ['analyst', 'steward'], body: { sql: 'SELECT 1 AS one' } },
  { method: 'GET', path: '/api/v1/audit?code=350102198503171237', allowed: ['steward'] },
  { method: 'POST', path: '/api/v1/exports', allowed: ['steward'], body: { name: 'guarded', views: ['runs'] } },
];

describe('who may do what', () => {
  it('answers 401 with one body to no token, another scheme, a bad token and a revoked one, on every guarded route', async () => {
    const bodies = new Set<string>();
    for (const route of GUARDED) {
      for (const headers of [{} as Record<string, string>, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, { authorization: 'Bearer oc_not-a-token' }, { authorization: `Bearer ${api.tokens.analyst}x` }]) {
        const response = await api.request(route.path, { method: route.method, headers, ...(route.body ? { body: route.body } : {}) });
        expect(response.status, `${route.method} ${route.path}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="onecode"');
        bodies.add(await response.text());
      }
    }
    expect([...bodies]).toEqual([JSON.stringify({ error: 'unauthorized', message: 'a valid token is required: Authorization: Bearer <token> (onecode token add NAME --role ROLE)' })]);
  });

  it('answers 401 the same for a pipeline that exists and one that does not: nothing is looked up first', async () => {
    const known = await api.request('/api/v1/pipelines/accounting-staff/runs', { token: 'oc_wrong' });
    const unknown = await api.request('/api/v1/pipelines/no-such-pipeline/runs', { token: 'oc_wrong' });
    expect([known.status, unknown.status]).toEqual([401, 401]);
    expect(await known.text()).toBe(await unknown.text());
    // and a role without the right gets 403 for both, not 404 for the unknown one
    const triggerKnown = await api.request('/api/v1/pipelines/accounting-staff/runs', { method: 'POST', role: 'analyst' });
    const triggerUnknown = await api.request('/api/v1/pipelines/no-such-pipeline/runs', { method: 'POST', role: 'analyst' });
    expect([triggerKnown.status, triggerUnknown.status]).toEqual([403, 403]);
    expect(await triggerKnown.text()).toBe(await triggerUnknown.text());
  });

  it('answers 403 to each role without the right and 2xx to each role with it', async () => {
    for (const route of GUARDED) {
      for (const role of ['operator', 'analyst', 'steward'] as const) {
        const response = await api.request(route.path, { method: route.method, role, ...(route.body ? { body: route.body } : {}) });
        const allowed = route.allowed.includes(role);
        if (allowed) expect(response.status, `${role} ${route.method} ${route.path}`).toBeLessThan(500);
        else {
          expect(response.status, `${role} ${route.method} ${route.path}`).toBe(403);
          expect(await response.json()).toEqual({ error: 'forbidden', message: "the token's role does not have the right to this" });
        }
      }
    }
    // POST push is allowed to the operator, and answers 409 without a broker (checked below)
  });

  it('answers 503 tokens_unavailable while the token file is not valid, and logs why by its code only', async () => {
    const { readFile: read, writeFile: write } = await import('node:fs/promises');
    const good = await read(api.tokensFile, 'utf8');
    await write(api.tokensFile, '{ "tokens": [ broken', { mode: 0o600 });
    try {
      const r = await json(await api.request('/api/v1/whoami', { role: 'analyst' }));
      expect(r).toEqual({ status: 503, body: { error: 'tokens_unavailable', message: 'the token file cannot be read; the operator is told in the log' } });
      expect(api.logs.some((l) => l.msg.startsWith('the token file cannot be read') && l.errorCode === 'tokens_file_invalid')).toBe(true);
    } finally {
      await write(api.tokensFile, good, { mode: 0o600 });
    }
    expect((await api.request('/api/v1/whoami', { role: 'analyst' })).status).toBe(200);
  });

  it('takes a token revoked while serve runs out at once', async () => {
    const { revokeToken, addToken } = await import('../../src/access/tokens.ts');
    const token = await addToken(api.tokensFile, 'temp-analyst', 'analyst');
    expect((await api.request('/api/v1/whoami', { token })).status).toBe(200);
    await revokeToken(api.tokensFile, 'temp-analyst');
    expect((await api.request('/api/v1/whoami', { token })).status).toBe(401);
  });

  it('whoami names the token, its role and its policy for personal values', async () => {
    expect((await json(await api.request('/api/v1/whoami', { role: 'operator' }))).body).toEqual({ name: 'olga-operator', role: 'operator', policy: 'drop' });
    expect((await json(await api.request('/api/v1/whoami', { role: 'analyst' }))).body).toEqual({ name: 'anna-analyst', role: 'analyst', policy: 'mask' });
    expect((await json(await api.request('/api/v1/whoami', { role: 'steward' }))).body).toEqual({ name: 'sam-steward', role: 'steward', policy: 'clear' });
  });
});

describe('lookup, query and audit', () => {
  /** A valid resident identity number no record carries (GB 11643-1999 check character computed). */
  const UNKNOWN = '110101199003074514';

  it('answers 401 and 403 with the same bytes for a code the index holds and one it does not', async () => {
    for (const who of [{ token: 'oc_wrong' }, { role: 'operator' as const }]) {
      const known = await api.request(`/api/v1/lookup/${rich.id}`, who);
      const unknown = await api.request(`/api/v1/lookup/${UNKNOWN}`, who);
      expect(known.status).toBe(unknown.status);
      expect([401, 403]).toContain(known.status);
      expect(await known.text()).toBe(await unknown.text());
      const auditKnown = await api.request(`/api/v1/audit?code=${rich.id}`, who.token ? who : { role: 'analyst' });
      const auditUnknown = await api.request(`/api/v1/audit?code=${UNKNOWN}`, who.token ? who : { role: 'analyst' });
      expect(await auditKnown.text()).toBe(await auditUnknown.text());
    }
  });

  it('shows a steward the document of onecode lookup in clear, and an analyst the same document masked', async () => {
    const steward = await api.request(`/api/v1/lookup/${rich.alias15}`, { role: 'steward' });
    expect(steward.status).toBe(200);
    const connection = await connectToIndex(api.index);
    const direct = await lookupCode(connection, rich.alias15, todayInChina()).finally(() => connection.closeSync());
    expect(await steward.json()).toEqual(JSON.parse(JSON.stringify(direct)));

    const analystText = await (await api.request(`/api/v1/lookup/${rich.alias15}`, { role: 'analyst' })).text();
    const analyst = JSON.parse(analystText) as Record<string, any>;
    const person = direct!.person!;
    expect(analyst.code).toBe(`${rich.id.slice(0, 6)}${'*'.repeat(11)}${rich.id.slice(17)}`);
    expect(analyst.person.id_number).toBe(analyst.code);
    expect(analyst.person.name).toBe(`${String(person.name).slice(0, 1)}${'*'.repeat([...String(person.name)].length - 1)}`);
    expect(analyst.person.phone).toBe(`${String(person.phone).slice(0, 3)}****${String(person.phone).slice(-4)}`);
    expect(analyst.records.length).toBe(direct!.records.length);
    expect(analyst.records.some((r: Record<string, unknown>) => 'payload' in r)).toBe(false);
    for (const clear of [rich.id, rich.alias15, String(person.phone), String(person.name)]) expect(analystText).not.toContain(clear);
    expect(analyst.relations.legal_representative_of.items[0].code).toBe(rich.uscc); // legal persons' codes are not personal
  });

  it('answers a valid code nothing carries with empty systems, and no valid code with 400 code_invalid naming no value', async () => {
    const unknown = await api.request(`/api/v1/lookup/${UNKNOWN}`, { role: 'steward' });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ code: UNKNOWN, systems: [], records: [], person: null, legal_person: null });
    const invalid = await api.request('/api/v1/lookup/35010219850317123X', { role: 'analyst' });
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: string; message: string };
    expect(body.error).toBe('code_invalid');
    expect(body.message).not.toContain('35010219850317123');
  });

  it('runs read-only SQL: values masked for an analyst, clear for a steward; refusals and limits', async () => {
    const sql = `SELECT id_number, name, phone FROM persons WHERE id_number = '${rich.id}'`;
    const steward = await json(await api.request('/api/v1/query', { method: 'POST', role: 'steward', body: { sql } }));
    expect(steward.status).toBe(200);
    expect(steward.body.columns).toEqual([{ name: 'id_number', type: 'VARCHAR' }, { name: 'name', type: 'VARCHAR' }, { name: 'phone', type: 'VARCHAR' }]);
    expect(steward.body).toMatchObject({ row_count: 1, truncated: false });
    const [row] = steward.body.rows as string[][];
    expect(row![0]).toBe(rich.id);
    // an analyst's WHERE compares the protected value: the masked code
    const analyst = await json(await api.request('/api/v1/query', { method: 'POST', role: 'analyst', body: { sql: 'SELECT id_number, name, phone FROM persons ORDER BY id_number LIMIT 3' } }));
    expect(analyst.status).toBe(200);
    for (const r of analyst.body.rows as string[][]) {
      expect(r[0]).toMatch(/^\d{6}\*{11}[\dX]$/);
      expect(r[1]).toMatch(/^.\*+$|^[^*]{2}\*+$/u);
    }
    const limited = await json(await api.request('/api/v1/query', { method: 'POST', role: 'analyst', body: { sql: 'SELECT * FROM range(20)', limit: 5 } }));
    expect(limited.body).toMatchObject({ row_count: 5, truncated: true, rows: [[0], [1], [2], [3], [4]] });
    for (const [who, bad, error] of [
      ['steward', 'DELETE FROM run_log', 'query_refused'],
      ['analyst', 'SELECT * FROM access_log', 'query_refused'],
      ['analyst', "SELECT * FROM read_csv('/etc/passwd')", 'query_refused'],
      ['steward', 'SELEC 1', 'query_invalid'],
      // serve's instance reads its connectors' files, so its configuration is not locked down as the
      // CLI's is (enable_external_access is global): the parse-tree allow-list alone keeps files out
      ['steward', "SELECT * FROM '/etc/passwd'", 'query_refused'],
      ['steward', "SELECT * FROM read_text('/etc/passwd')", 'query_refused'],
      ['steward', "COPY (SELECT 1) TO '/tmp/onecode-api-copy.csv'", 'query_refused'],
      ['steward', "ATTACH '/tmp/onecode-api-attach.duckdb' AS x", 'query_refused'],
      ['steward', "SELECT nextval('access_seq')", 'query_refused'],
      ['steward', 'SET enable_external_access = false', 'query_refused'],
    ] as const) {
      const r = await json(await api.request('/api/v1/query', { method: 'POST', role: who, body: { sql: bad } }));
      expect({ sql: bad, status: r.status, error: r.body.error }).toEqual({ sql: bad, status: 400, error });
    }
    const noBody = await json(await api.request('/api/v1/query', { method: 'POST', role: 'analyst', body: { limit: 3 } }));
    expect({ status: noBody.status, error: noBody.body.error }).toEqual({ status: 400, error: 'request_invalid' });
    const plain = await fetch(`${api.origin}/api/v1/query`, { method: 'POST', headers: { authorization: `Bearer ${api.tokens.analyst}`, 'content-type': 'application/xml' }, body: '<sql>SELECT 1</sql>' });
    expect({ status: plain.status, error: ((await plain.json()) as { error: string }).error }).toEqual({ status: 415, error: 'unsupported_media_type' });
    const large = await json(await api.request('/api/v1/query', { method: 'POST', role: 'analyst', body: { sql: `SELECT 1 -- ${'x'.repeat(70_000)}` } }));
    expect({ status: large.status, error: large.body.error }).toEqual({ status: 413, error: 'payload_too_large' });
    // without a token, neither the body's type nor its size is looked at: 401
    const anonymous = await fetch(`${api.origin}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(70_000) });
    expect(anonymous.status).toBe(401);
  });

  it("records every lookup and query in access_log with the token's name, channel api or console; a steward's audit lists them", async () => {
    await api.request(`/api/v1/lookup/${rich.id}`, { role: 'analyst', headers: { 'x-onecode-channel': 'console' } });
    const audit = await json(await api.request(`/api/v1/audit?code=${rich.alias15}`, { role: 'steward' }));
    expect(audit.status).toBe(200);
    expect(audit.body.code).toBe(rich.id);
    const accesses = audit.body.accesses as Array<Record<string, unknown>>;
    const seen = accesses.map((a) => `${a.who} ${a.role} ${a.channel} ${a.action} ${a.policy} ${a.matched}`);
    expect(seen).toContain('sam-steward steward api lookup clear looked_up');
    expect(seen).toContain('anna-analyst analyst api lookup mask looked_up');
    expect(seen).toContain('anna-analyst analyst console lookup mask looked_up');
    expect(seen).toContain('sam-steward steward api query clear shown'); // the steward's query showed the code in clear
    // the audit itself is recorded, after the list it answered was read
    const again = (await json(await api.request(`/api/v1/audit?code=${rich.id}`, { role: 'steward' }))).body.accesses as Array<Record<string, unknown>>;
    expect(again.at(-1)).toMatchObject({ who: 'sam-steward', action: 'audit', code: rich.id, row_count: accesses.length });
    const invalid = await json(await api.request('/api/v1/audit?code=nonsense', { role: 'steward' }));
    expect({ status: invalid.status, error: invalid.body.error }).toEqual({ status: 400, error: 'code_invalid' });
    // only an owner token may say it is the CLI: a token of the file saying so is recorded as the API
    await api.request(`/api/v1/lookup/${rich.id}`, { role: 'steward', headers: { 'x-onecode-channel': 'cli' } });
    const after = (await json(await api.request(`/api/v1/audit?code=${rich.id}`, { role: 'steward' }))).body.accesses as Array<Record<string, unknown>>;
    expect(after.filter((a) => a.action === 'lookup').at(-1)).toMatchObject({ who: 'sam-steward', channel: 'api' });
  });
});

describe('pipelines and runs', () => {
  it('lists every pipeline of the folder with its last run and last success', async () => {
    const { status, body } = await json(await api.request('/api/v1/pipelines', { role: 'analyst' }));
    expect(status).toBe(200);
    const pipelines = body.pipelines as Array<Record<string, any>>;
    expect(pipelines.map((p) => p.name)).toEqual(api.pipelines.map((p) => p.name));
    for (const p of pipelines) {
      const source = api.pipelines.find((s) => s.name === p.name)!;
      expect(p).toMatchObject({ system: source.system, entity: source.entity, connector: source.connector.kind, schedule: null, timezone: 'Asia/Shanghai' });
      expect(p.last_run).toMatchObject({ pipeline: p.name, status: 'succeeded', trigger: 'manual', run_no: expect.any(Number) });
      expect(p.last_run.rows_read).toBe(p.last_run.loaded + p.last_run.duplicates + p.last_run.quarantined);
      expect(p.last_success_at).toBe(p.last_run.ended_at);
      expect(Date.parse(p.last_success_at)).toBeGreaterThan(Date.parse(p.last_run.started_at) - 1);
    }
  });

  it('answers the catalogue with the JSON of onecode catalogue, to the roles that read pipelines (operator, analyst, steward)', async () => {
    const cli = await onecode(['catalogue', '--pipelines', workspaceFiles(sample).pipelinesDir]);
    expect(cli.code, cli.stderr).toBe(0);
    for (const role of ['operator', 'analyst', 'steward'] as const) {
      const { status, body } = await json(await api.request('/api/v1/catalogue', { role }));
      expect({ role, status }).toEqual({ role, status: 200 });
      expect(body).toEqual(JSON.parse(cli.stdout));
    }
    const { body } = await json(await api.request('/api/v1/catalogue', { role: 'analyst' }));
    // every sample pipeline declares an entry; each carries its codes and data items
    expect(body.missing).toEqual([]);
    const entries = body.entries as Array<Record<string, any>>;
    expect(entries.map((e) => e.pipeline)).toEqual(api.pipelines.map((p) => p.name).sort());
    for (const e of entries) expect(e).toMatchObject({ resource_code: expect.stringMatching(/^\d+\/\d+$/), provider_code: expect.stringMatching(/^[0-9A-Z]{18}$/), data_items: expect.any(Array) });
    expect((await api.request('/api/v1/catalogue')).status).toBe(401);
  });

  it('starts a run of a pipeline without a schedule through the job queue, recorded with trigger api', async () => {
    const before = (await json(await api.request('/api/v1/pipelines/subsidy-payments/runs', { role: 'operator' }))).body.runs as Array<Record<string, unknown>>;
    expect(before).toHaveLength(1);
    const queued = await json(await api.request('/api/v1/pipelines/subsidy-payments/runs', { method: 'POST', role: 'operator' }));
    expect(queued).toEqual({ status: 202, body: { queued: true, job: 'run subsidy-payments', job_id: expect.stringMatching(/^\d+-\d+$/) } });
    const runs = await waitFor('the api run to end', async () => {
      const r = (await json(await api.request('/api/v1/pipelines/subsidy-payments/runs?limit=5', { role: 'analyst' }))).body.runs as Array<Record<string, any>>;
      return r.length === 2 && r[0]!.status !== 'running' ? r : undefined;
    });
    expect(runs[0]).toMatchObject({ pipeline: 'subsidy-payments', trigger: 'api', status: 'succeeded' });
    expect(runs[0]!.run_no).toBeGreaterThan(Number(before[0]!.run_no));
    // the source did not change: the run reads it all and changes nothing
    expect(runs[0]).toMatchObject({ rows_read: before[0]!.rows_read, created: 0, updated: 0, deleted: 0, events: 0 });
    expect(runs[1]).toEqual(before[0]);
    expect(api.logs.some((l) => l.msg === 'api run succeeded' && l.pipeline === 'subsidy-payments')).toBe(true);
    // the job says it ended and names its run, with the linkage counts of the runs view
    const job = await waitFor('the job to end', async () => {
      const j = await json(await api.request(`/api/v1/jobs/${queued.body.job_id}`, { role: 'operator' }));
      return j.body.state === 'ended' ? j : undefined;
    });
    expect(job).toMatchObject({ status: 200, body: { job_id: queued.body.job_id, pipeline: 'subsidy-payments', state: 'ended', run_ids: [runs[0]!.run_id], error_code: null } });
    expect(job.body.runs).toEqual([{ ...runs[0], linked: expect.any(Number), unlinked: expect.any(Number), relinked: expect.any(Number) }]);
    expect((await json(await api.request('/api/v1/jobs/no-such-job', { role: 'operator' }))).body.error).toBe('job_unknown');
    expect((await api.request(`/api/v1/jobs/${queued.body.job_id}`, { role: 'analyst' })).status).toBe(403);
    const limited = (await json(await api.request('/api/v1/pipelines/subsidy-payments/runs?limit=1', { role: 'analyst' }))).body.runs as unknown[];
    expect(limited).toEqual([runs[0]]);
  });

  it('answers 404 pipeline_unknown for a name that is neither in the folder nor in the index, and 400 for a bad limit', async () => {
    for (const [method, where] of [['GET', 'runs'], ['POST', 'runs'], ['GET', 'quarantine'], ['GET', 'flags']] as const) {
      const { status, body } = await json(await api.request(`/api/v1/pipelines/no-such-pipeline/${where}`, { method, role: method === 'POST' ? 'operator' : 'steward' }));
      expect({ status, error: body.error }).toEqual({ status: 404, error: 'pipeline_unknown' });
    }
    for (const limit of ['0', '1001', 'abc']) {
      const { status, body } = await json(await api.request(`/api/v1/pipelines/accounting-staff/runs?limit=${limit}`, { role: 'analyst' }));
      expect({ status, error: body.error }).toEqual({ status: 400, error: 'request_invalid' });
    }
  });
});

describe('quarantine and flags', () => {
  it("lists the latest successful run's quarantined rows with reasons; their text only for a steward", async () => {
    const index = await readIndex(`
      SELECT q.run_id, count(*)::INT AS n FROM quarantine q WHERE q.pipeline = 'accounting-staff' GROUP BY ALL`);
    const analyst = (await json(await api.request('/api/v1/pipelines/accounting-staff/quarantine?limit=1000', { role: 'analyst' }))).body as Record<string, any>;
    expect(analyst.run_id).toBe(index[0]!.run_id);
    expect(analyst.total).toBe(index[0]!.n);
    expect(analyst.rows).toHaveLength(index[0]!.n);
    expect(analyst.rows.every((r: Record<string, unknown>) => !('raw' in r) && Array.isArray(r.reason_codes) && (r.reason_codes as unknown[]).length > 0)).toBe(true);
    const perReason = new Map<string, number>();
    for (const row of analyst.rows) for (const code of row.reason_codes) perReason.set(code, (perReason.get(code) ?? 0) + 1);
    expect(analyst.reasons).toEqual([...perReason].map(([reason_code, rows]) => ({ reason_code, rows })).sort((a, b) => b.rows - a.rows || a.reason_code.localeCompare(b.reason_code)));

    // reasons' messages can quote a value: only a steward gets them
    expect(analyst.rows.every((r: { reasons: Array<Record<string, unknown>> }) => r.reasons.length > 0 && r.reasons.every((x) => typeof x.code === 'string' && !('message' in x)))).toBe(true);
    const steward = (await json(await api.request('/api/v1/pipelines/accounting-staff/quarantine?limit=3', { role: 'steward' }))).body as Record<string, any>;
    expect(steward.rows).toHaveLength(3);
    expect(steward.rows.every((r: { reasons: Array<Record<string, unknown>> }) => r.reasons.every((x) => typeof x.message === 'string'))).toBe(true);
    const raws = await readIndex(`SELECT line::INT AS line, raw FROM quarantine WHERE pipeline = 'accounting-staff' ORDER BY line LIMIT 3`);
    expect(steward.rows.map((r: Record<string, unknown>) => ({ line: r.line, raw: r.raw }))).toEqual(raws);
    expect(steward.rows.map((r: Record<string, unknown>) => r.line)).toEqual(analyst.rows.slice(0, 3).map((r: Record<string, unknown>) => r.line));
    const operator = (await json(await api.request('/api/v1/pipelines/accounting-staff/quarantine?limit=3', { role: 'operator' }))).body as Record<string, any>;
    expect(operator.rows.some((r: Record<string, unknown>) => 'raw' in r)).toBe(false);
  });

  it("records a steward's read of quarantined rows' text as an export, with the codes it showed; counts are not recorded", async () => {
    const exports = () => readIndex(`SELECT who, role, channel, query, row_count::INT AS row_count, policy, codes, codes_total::INT AS codes_total, outcome FROM access_log WHERE action = 'export' ORDER BY access_no`);
    const before = (await exports()).length;
    await api.request('/api/v1/pipelines/accounting-staff/quarantine?limit=1000', { role: 'analyst' });
    await api.request('/api/v1/pipelines/accounting-staff/quarantine?limit=1000', { role: 'operator' });
    await api.request('/api/v1/pipelines/accounting-staff/flags', { role: 'steward' });
    expect(await exports()).toHaveLength(before);
    const steward = (await json(await api.request('/api/v1/pipelines/accounting-staff/quarantine?limit=1000', { role: 'steward' }))).body as Record<string, any>;
    const after = await exports();
    expect(after).toHaveLength(before + 1);
    const shownCodes = createCodeCollector();
    for (const row of steward.rows) shownCodes.add([row.raw, row.reasons]);
    expect(shownCodes.codes.size).toBeGreaterThan(0); // quarantined rows of the sample carry valid codes beside the bad value
    expect(after.at(-1)).toEqual({
      who: 'sam-steward', role: 'steward', channel: 'api', query: `quarantine accounting-staff run ${steward.run_no}`,
      row_count: steward.rows.length, policy: 'clear', codes: [...shownCodes.codes].slice(0, 1000), codes_total: shownCodes.codes.size, outcome: 'ok',
    });
    // and an audit of a code in that text finds the export
    const code = [...shownCodes.codes][0]!;
    const audit = (await json(await api.request(`/api/v1/audit?code=${code}`, { role: 'steward' }))).body.accesses as Array<Record<string, unknown>>;
    expect(audit.some((a) => a.action === 'export' && a.who === 'sam-steward' && a.matched === 'shown')).toBe(true);
  });

  it("counts the records' data-quality flags per flag and per run", async () => {
    const expected = await readIndex(`
      SELECT f.code AS flag, count(DISTINCT source_key)::INT AS records
      FROM (SELECT source_key, unnest(CAST(flags AS STRUCT(code VARCHAR, field VARCHAR, message VARCHAR)[])) AS f FROM records WHERE pipeline = 'accounting-staff')
      GROUP BY ALL ORDER BY records DESC, flag`);
    expect(expected.length).toBeGreaterThan(0); // the sample injects flagged values
    const { status, body } = await json(await api.request('/api/v1/pipelines/accounting-staff/flags', { role: 'operator' }));
    expect(status).toBe(200);
    expect(body.flags).toEqual(expected);
    const byRun = body.by_run as Array<{ run_no: number; flag: string; records: number }>;
    for (const f of expected) expect(byRun.filter((r) => r.flag === f.flag).reduce((n, r) => n + r.records, 0)).toBe(f.records);
  });
});

describe('outbox, push, status, health', () => {
  it('reports the outbox by state and the push lag; push without a broker is 409', async () => {
    const [counts] = await readIndex(`SELECT count(*)::INT AS pending FROM changes WHERE state = 'pending'`);
    const { status, body } = await json(await api.request('/api/v1/outbox', { role: 'analyst' }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ pending: counts!.pending, parked: 0, published: 0 });
    expect(counts!.pending).toBeGreaterThan(0);
    expect(Date.parse(String(body.oldest_pending_at))).toBeLessThanOrEqual(Date.now());
    expect(body.push_lag_seconds).toBeGreaterThan(0);
    expect(Math.abs(Number(body.push_lag_seconds) - (Date.now() - Date.parse(String(body.oldest_pending_at))) / 1000)).toBeLessThan(5);
    const push = await json(await api.request('/api/v1/push', { method: 'POST', role: 'operator' }));
    expect(push).toEqual({ status: 409, body: { error: 'push_unconfigured', message: 'serve has no broker to push to: start it with KAFKA_BROKERS set' } });
  });

  it("answers status with the document of onecode status --json, read from the live index", async () => {
    const { status, body } = await json(await api.request('/api/v1/status', { role: 'operator' }));
    expect(status).toBe(200);
    const [golden] = await readIndex(`SELECT (SELECT count(*)::INT FROM persons) AS persons, (SELECT count(*)::INT FROM legal_persons) AS legal_persons`);
    expect(body).toMatchObject(golden!);
    expect((body.records as unknown[]).length).toBe(api.pipelines.length);
    expect((body.recent_runs as Array<{ trigger: string }>).some((r) => r.trigger === 'api')).toBe(true);
  });

  it('answers healthz without a token', async () => {
    expect(await json(await api.request('/healthz'))).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers 404 not_found for a path that is no route, without a token', async () => {
    expect(await json(await api.request('/api/v1/nothing'))).toEqual({ status: 404, body: { error: 'not_found', message: 'no such route (the routes: /openapi.json)' } });
  });

  it('marks API answers no-store', async () => {
    const response = await api.request('/api/v1/outbox', { role: 'analyst' });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('the state file the CLI reaches serve by', () => {
  it('holds the origin and an owner token per role, owner-only; they stand for cli:<user>; no snapshot is kept', async () => {
    const file = `${api.db}.serve.json`;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const state = JSON.parse(await readFile(file, 'utf8')) as { pid: number; http: { origin: string; owner_tokens: { operator: string; analyst: string; steward: string }; principal: string } };
    expect(state.pid).toBe(process.pid);
    expect(state.http.origin).toBe(api.origin);
    const principal = `cli:${os2.userInfo().username}`;
    expect(state.http.principal).toBe(principal);
    expect(await json(await api.request('/api/v1/whoami', { token: state.http.owner_tokens.operator }))).toEqual({ status: 200, body: { name: principal, role: 'operator', policy: 'drop' } });
    expect(await json(await api.request('/api/v1/whoami', { token: state.http.owner_tokens.steward }))).toEqual({ status: 200, body: { name: principal, role: 'steward', policy: 'clear' } });
    expect(await json(await api.request('/api/v1/whoami', { token: state.http.owner_tokens.analyst }))).toEqual({ status: 200, body: { name: principal, role: 'analyst', policy: 'mask' } });
    expect(new Set(Object.values(state.http.owner_tokens)).size).toBe(3);
    expect(await stat(`${api.db}.snapshot`).then(() => true, () => false)).toBe(false);
    // the tokens are in no token file and in no log
    expect(await readFile(api.tokensFile, 'utf8')).not.toContain(state.http.owner_tokens.steward);
    expect(api.logText()).not.toContain(state.http.owner_tokens.steward);
  });
});

describe("the console's files", () => {
  it('serves / and /console/<file> of the folder, with a strict content security policy, and nothing else', async () => {
    const page = await api.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<title>onecode</title>');
    const script = await api.request('/console/app.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('export {};\n');
    for (const p of ['/console/notes.txt', '/console/missing.js', '/console/..%2Fserver.ts', '/console/%2e%2e%2fpackage.json', '/console/../package.json']) {
      const response = await api.request(p);
      expect([400, 404], p).toContain(response.status);
      expect(await response.text()).not.toContain('"name": "onecode"');
    }
  });
});

describe('the request log', () => {
  it('logs method, route pattern, status, who and time; never a URL, a query string or a token', async () => {
    await api.request('/api/v1/pipelines/accounting-staff/runs?limit=2', { role: 'analyst' });
    const lines = api.logs.filter((l) => l.msg === 'http request');
    expect(lines.length).toBeGreaterThan(20);
    const line = lines.filter((l) => l.route === '/api/v1/pipelines/:name/runs' && l.status === 200).at(-1)!;
    expect(line).toMatchObject({ method: 'GET', principal: 'anna-analyst', role: 'analyst', component: 'http' });
    expect(typeof line.ms).toBe('number');
    expect(Object.keys(line).sort()).toEqual(['app', 'component', 'level', 'method', 'ms', 'msg', 'principal', 'role', 'route', 'status', 'time']);
    const text = api.logText();
    for (const token of Object.values(api.tokens)) expect(text).not.toContain(token);
    expect(text).not.toContain('limit=2');
    expect(text).not.toContain('no-such-pipeline');
    expect(text).not.toContain(rich.id);
    expect(text).not.toContain(rich.alias15);
    expect(lines.some((l) => l.route === '/api/v1/lookup/:code')).toBe(true);
  });
});

/** Rows of `sql` read from the committed state of the served index, on a connection of serve's own DuckDB instance. */
async function readIndex(sql: string): Promise<Array<Record<string, any>>> {
  const connection = await connectToIndex(api.index);
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, any>>;
  } finally {
    connection.closeSync();
  }
}
