/**
 * /metrics of a real serve, parsed from the Prometheus text format and checked against the index;
 * and reads that do not wait behind a transaction open on serve's own connection (DuckDB MVCC:
 * the API's connections read the last committed state).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToIndex } from '../../src/index/open-index.ts';
import { startApiServe, type ApiServe } from '../support/api-serve.ts';
import { indexedSample } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

let sample: Workspace;
let api: ApiServe;

beforeAll(async () => {
  sample = await indexedSample(23);
  api = await startApiServe(sample);
}, 300_000);

afterAll(async () => {
  await api?.stop();
  await sample?.dispose();
});

interface Family {
  help: string;
  type: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

/** Parses the text exposition format 0.0.4: HELP and TYPE lines, then samples `name{a="b",…} value`. */
function parseMetrics(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => families.get(name) ?? families.set(name, { help: '', type: '', samples: [] }).get(name)!;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      family(meta[2]!)[meta[1] === 'HELP' ? 'help' : 'type'] = meta[3]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    const name = sample[1]!;
    const base = [...families.keys()].find((f) => name === f || (families.get(f)!.type === 'histogram' && /^(.*)_(bucket|sum|count)$/.exec(name)?.[1] === f)) ?? name;
    family(base).samples.push({ name, labels, value: Number(sample[3]) });
  }
  return families;
}

async function scrape(): Promise<Map<string, Family>> {
  const response = await api.request('/metrics', { role: 'operator' });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

async function rows(sql: string): Promise<Array<Record<string, any>>> {
  const c = await connectToIndex(api.index.instance);
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, any>>;
  } finally {
    c.closeSync();
  }
}

const value = (f: Family | undefined, labels: Record<string, string>, name?: string): number | undefined =>
  f?.samples.find((s) => (name === undefined || s.name === name) && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length >= Object.keys(labels).length)?.value;

describe('/metrics', () => {
  it('exposes every documented metric with its type and values that match the index', async () => {
    // a request beforehand, so that the HTTP metrics have a sample
    expect((await api.request('/api/v1/outbox', { role: 'analyst' })).status).toBe(200);
    const m = await scrape();
    const types: Record<string, string> = {
      onecode_pipeline_rows_read_total: 'counter',
      onecode_pipeline_rows_loaded_total: 'counter',
      onecode_pipeline_rows_quarantined_total: 'counter',
      onecode_pipeline_runs_total: 'counter',
      onecode_pipeline_runs_running: 'gauge',
      onecode_pipeline_run_duration_seconds: 'histogram',
      onecode_pipeline_last_success_timestamp_seconds: 'gauge',
      onecode_outbox_events: 'gauge',
      onecode_push_lag_seconds: 'gauge',
      onecode_index_golden_records: 'gauge',
      onecode_serve_jobs_waiting: 'gauge',
      onecode_http_requests_total: 'counter',
      onecode_http_request_duration_seconds: 'histogram',
    };
    for (const [name, type] of Object.entries(types)) {
      expect(m.get(name)?.type, name).toBe(type);
      expect(m.get(name)!.help.length, name).toBeGreaterThan(10);
    }

    const runs = await rows(`
      SELECT pipeline, rows_read::INT AS rows_read, loaded::INT AS loaded, quarantined::INT AS quarantined, epoch(ended_at) AS ended, epoch(ended_at - started_at) AS seconds
      FROM runs WHERE status = 'succeeded' ORDER BY pipeline`);
    expect(runs.map((r) => r.pipeline)).toEqual(api.pipelines.map((p) => p.name));
    for (const run of runs) {
      const pipeline = { pipeline: run.pipeline as string };
      expect(value(m.get('onecode_pipeline_rows_read_total'), pipeline), run.pipeline).toBe(run.rows_read);
      expect(value(m.get('onecode_pipeline_rows_loaded_total'), pipeline)).toBe(run.loaded);
      expect(value(m.get('onecode_pipeline_rows_quarantined_total'), pipeline)).toBe(run.quarantined);
      expect(run.quarantined).toBeGreaterThan(0);
      expect(value(m.get('onecode_pipeline_runs_total'), { ...pipeline, status: 'succeeded' })).toBe(1);
      expect(value(m.get('onecode_pipeline_runs_running'), pipeline)).toBe(0);
      expect(value(m.get('onecode_pipeline_last_success_timestamp_seconds'), pipeline)).toBeCloseTo(Number(run.ended), 3);
      const durations = m.get('onecode_pipeline_run_duration_seconds')!;
      expect(value(durations, { ...pipeline, status: 'succeeded' }, 'onecode_pipeline_run_duration_seconds_count')).toBe(1);
      expect(value(durations, { ...pipeline, status: 'succeeded' }, 'onecode_pipeline_run_duration_seconds_sum')).toBeCloseTo(Number(run.seconds), 3);
      const buckets = durations.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.pipeline === run.pipeline);
      expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(1);
      // cumulative: the first bucket at or above the duration holds the run
      const holding = buckets.filter((b) => b.labels.le !== '+Inf' && Number(b.labels.le) >= Number(run.seconds));
      expect(holding.every((b) => b.value === 1)).toBe(true);
    }
    const [outbox] = await rows(`SELECT count(*) FILTER (WHERE state = 'pending')::INT AS pending, epoch(now() - min(created_at) FILTER (WHERE state = 'pending')) AS lag FROM changes`);
    expect(value(m.get('onecode_outbox_events'), { state: 'pending' })).toBe(outbox!.pending);
    expect(outbox!.pending).toBeGreaterThan(0);
    for (const state of ['parked', 'held', 'skipped', 'published']) expect(value(m.get('onecode_outbox_events'), { state })).toBe(0);
    const lag = value(m.get('onecode_push_lag_seconds'), {})!;
    expect(lag).toBeGreaterThan(0);
    expect(Math.abs(lag - Number(outbox!.lag))).toBeLessThan(5);
    const [golden] = await rows(`SELECT (SELECT count(*)::INT FROM persons) AS person, (SELECT count(*)::INT FROM legal_persons) AS legal_person`);
    expect(value(m.get('onecode_index_golden_records'), { entity: 'person' })).toBe(golden!.person);
    expect(value(m.get('onecode_index_golden_records'), { entity: 'legal_person' })).toBe(golden!.legal_person);
    expect(value(m.get('onecode_serve_jobs_waiting'), {})).toBe(0);
    expect(value(m.get('onecode_http_requests_total'), { method: 'GET', route: '/api/v1/outbox', status: '200' })).toBe(1);

    // no label holds a value of the index: only pipelines, states, statuses, entities, routes, methods, bucket bounds
    const labelNames = new Set([...m.values()].flatMap((f) => f.samples.flatMap((s) => Object.keys(s.labels))));
    expect([...labelNames].sort()).toEqual(['entity', 'le', 'method', 'pipeline', 'route', 'state', 'status']);
  });

  it('counts requests per route pattern, never per URL', async () => {
    const before = value((await scrape()).get('onecode_http_requests_total'), { method: 'GET', route: '/api/v1/pipelines/:name/runs', status: '200' }) ?? 0;
    await api.request('/api/v1/pipelines/accounting-staff/runs', { role: 'analyst' });
    await api.request('/api/v1/pipelines/subsidy-payments/runs', { role: 'analyst' });
    await api.request('/api/v1/pipelines/subsidy-payments/runs');
    const m = await scrape();
    expect(value(m.get('onecode_http_requests_total'), { method: 'GET', route: '/api/v1/pipelines/:name/runs', status: '200' })).toBe(before + 2);
    expect(value(m.get('onecode_http_requests_total'), { method: 'GET', route: '/api/v1/pipelines/:name/runs', status: '401' })).toBe(1);
    expect(m.get('onecode_http_requests_total')!.samples.some((s) => s.labels.route?.includes('subsidy'))).toBe(false);
  });
});

describe('reads while a transaction is open on serve\'s connection', () => {
  it('answer at once with the last committed state, and see the transaction once it commits', async () => {
    const writer = api.index.connection;
    const [{ next }] = (await rows(`SELECT max(run_no)::INT + 1 AS next FROM run_log`)) as [{ next: number }];
    await writer.run('BEGIN TRANSACTION');
    try {
      await writer.run(`INSERT INTO run_log (run_id, run_no, pipeline, system, trigger, started_at, status) VALUES ('r-open-tx', ${next}, 'accounting-staff', 'x', 'manual', now(), 'running')`);
      await writer.run(`UPDATE run_log SET rows_read = rows_read + 1000 WHERE pipeline = 'accounting-staff' AND run_id <> 'r-open-tx'`);
      const started = Date.now();
      const runs = (await (await api.request('/api/v1/pipelines/accounting-staff/runs', { role: 'analyst' })).json()) as { runs: Array<{ run_id: string; rows_read: number }> };
      const m = await scrape();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(runs.runs.map((r) => r.run_id)).not.toContain('r-open-tx');
      const [committed] = await rows(`SELECT rows_read::INT AS rows_read FROM runs WHERE pipeline = 'accounting-staff'`);
      expect(runs.runs[0]!.rows_read).toBe(committed!.rows_read); // read on another connection: without the update
      expect(value(m.get('onecode_pipeline_runs_running'), { pipeline: 'accounting-staff' })).toBe(0);
      await writer.run('COMMIT');
    } catch (error) {
      await writer.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const after = (await (await api.request('/api/v1/pipelines/accounting-staff/runs', { role: 'analyst' })).json()) as { runs: Array<{ run_id: string; status: string }> };
    expect(after.runs[0]).toMatchObject({ run_id: 'r-open-tx', status: 'running' });
    expect(value((await scrape()).get('onecode_pipeline_runs_running'), { pipeline: 'accounting-staff' })).toBe(1);
    await writer.run(`DELETE FROM run_log WHERE run_id = 'r-open-tx'; UPDATE run_log SET rows_read = rows_read - 1000 WHERE pipeline = 'accounting-staff'`);
  });
});
