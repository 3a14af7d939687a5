/**
 * Prometheus metrics of serve (`GET /metrics`, text format 0.0.4), with prom-client on a registry
 * of its own (nothing global, so two servers in one process do not mix).
 *
 * Pipeline and outbox metrics are read from the index at scrape time, not counted as serve sees
 * runs: runs are also made by `onecode run` in other processes, before serve started or while it
 * was stopped, and the index is the one record of them all (run_log, outbox). Computed so, a
 * counter is the total over the runs the index keeps and survives restarts; it only goes down when
 * the index is replaced. Names follow Prometheus' conventions (base units, `_total` for counters,
 * `_seconds`, `_timestamp_seconds`).
 *
 * | metric | type | labels | from |
 * |---|---|---|---|
 * | onecode_pipeline_rows_read_total | counter | pipeline | sum of `runs.rows_read`, succeeded runs |
 * | onecode_pipeline_rows_loaded_total | counter | pipeline | sum of `runs.loaded`, succeeded runs |
 * | onecode_pipeline_rows_quarantined_total | counter | pipeline | sum of `runs.quarantined`, succeeded runs |
 * | onecode_pipeline_runs_total | counter | pipeline, status (succeeded, failed, abandoned) | finished runs |
 * | onecode_pipeline_runs_running | gauge | pipeline | runs going now |
 * | onecode_pipeline_run_duration_seconds | histogram | pipeline, status | ended_at − started_at of finished runs |
 * | onecode_pipeline_last_success_timestamp_seconds | gauge | pipeline | end of the latest succeeded run |
 * | onecode_outbox_events | gauge | state (pending, parked, held, skipped, published) | outbox |
 * | onecode_push_lag_seconds | gauge | | age of the oldest pending event, 0 when none is pending |
 * | onecode_index_golden_records | gauge | entity (person, legal_person) | golden records |
 * | onecode_serve_jobs_waiting | gauge | | jobs waiting for their turn on the index (serve's queue) |
 * | onecode_http_requests_total | counter | method, route, status | requests answered since serve started |
 * | onecode_http_request_duration_seconds | histogram | method, route | time to answer |
 *
 * No label holds a code or any other value of the index: pipelines, states, statuses and route
 * patterns only.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { resultRows } from '../index/result-rows.ts';
import { stateSql } from '../outbox/outbox-states.ts';
import type { RequestLine } from './request-log.ts';

/** Bucket bounds of run durations, in seconds (a small file to a large database table). */
export const RUN_DURATION_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Bucket bounds of HTTP answer times, in seconds. */
export const HTTP_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** See {@link createServeMetrics}. */
export interface ServeMetrics {
  /** Reads the index and returns the exposition text; `jobsWaiting` is serve's queue length. */
  scrape(connection: DuckDBConnection, jobsWaiting: number): Promise<string>;
  /** Counts an answered request (request-log.ts calls it). */
  observeRequest(line: RequestLine): void;
  /** The exposition format's content type. */
  contentType: string;
}

/** A registry with the metrics above. */
export function createServeMetrics(): ServeMetrics {
  const registry = new Registry();
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const rowsRead = counter('onecode_pipeline_rows_read_total', 'Rows read by the succeeded runs of a pipeline the index keeps.', ['pipeline']);
  const rowsLoaded = counter('onecode_pipeline_rows_loaded_total', 'Rows loaded as records by the succeeded runs of a pipeline.', ['pipeline']);
  const rowsQuarantined = counter('onecode_pipeline_rows_quarantined_total', 'Rows quarantined by the succeeded runs of a pipeline.', ['pipeline']);
  const runs = counter('onecode_pipeline_runs_total', 'Finished runs of a pipeline, by outcome.', ['pipeline', 'status']);
  const running = gauge('onecode_pipeline_runs_running', 'Runs of a pipeline going now.', ['pipeline']);
  const durations = new Histogram({ name: 'onecode_pipeline_run_duration_seconds', help: 'Duration of the finished runs of a pipeline, by outcome.', labelNames: ['pipeline', 'status'], buckets: RUN_DURATION_BUCKETS, registers: [registry] });
  const lastSuccess = gauge('onecode_pipeline_last_success_timestamp_seconds', 'When the latest succeeded run of a pipeline ended, in seconds since the epoch.', ['pipeline']);
  const outbox = gauge('onecode_outbox_events', 'Outbox events by state.', ['state']);
  const lag = gauge('onecode_push_lag_seconds', 'Age of the oldest pending outbox event (0 when none is pending).');
  const golden = gauge('onecode_index_golden_records', 'Golden records in the index, by entity.', ['entity']);
  const waiting = gauge('onecode_serve_jobs_waiting', "Jobs (runs, pushes, snapshots) waiting for their turn on serve's index.");
  const requests = counter('onecode_http_requests_total', 'HTTP requests answered, by method, route pattern and status.', ['method', 'route', 'status']);
  const requestSeconds = new Histogram({ name: 'onecode_http_request_duration_seconds', help: 'Time to answer an HTTP request.', labelNames: ['method', 'route'], buckets: HTTP_DURATION_BUCKETS, registers: [registry] });

  return {
    contentType: registry.contentType,
    observeRequest(line) {
      requests.inc({ method: line.method, route: line.route, status: String(line.status) });
      requestSeconds.observe({ method: line.method, route: line.route }, line.ms / 1000);
    },
    async scrape(c, jobsWaiting) {
      const rows = async (sql: string) => resultRows(await c.runAndReadAll(sql));
      // Everything is read first, then set at once, so a scrape never shows half of two reads.
      const totals = await rows(`
        SELECT pipeline, sum(rows_read) FILTER (WHERE status = 'succeeded') AS rows_read, sum(loaded) FILTER (WHERE status = 'succeeded') AS loaded,
               sum(quarantined) FILTER (WHERE status = 'succeeded') AS quarantined, count(*) FILTER (WHERE status = 'running') AS running,
               epoch(max(ended_at) FILTER (WHERE status = 'succeeded')) AS last_success
        FROM runs GROUP BY pipeline ORDER BY pipeline`);
      const outcomes = await rows(`SELECT pipeline, status, count(*) AS runs FROM runs WHERE status <> 'running' GROUP BY ALL ORDER BY ALL`);
      const finished = await rows(`SELECT pipeline, status, epoch(ended_at - started_at) AS seconds FROM runs WHERE status <> 'running' AND ended_at IS NOT NULL`);
      const states = await rows(`SELECT ${stateSql()} AS state, count(*) AS events FROM outbox GROUP BY ALL`);
      const [oldest] = await rows(`SELECT coalesce(epoch(now() - min(created_at)), 0) AS lag FROM outbox WHERE ${stateSql()} = 'pending'`);
      const [counts] = await rows(`SELECT (SELECT count(*) FROM golden_person) AS person, (SELECT count(*) FROM golden_legal_person) AS legal_person`);

      for (const metric of [rowsRead, rowsLoaded, rowsQuarantined, runs, running, durations, lastSuccess, outbox, golden]) metric.reset();
      for (const t of totals) {
        const pipeline = String(t.pipeline);
        rowsRead.inc({ pipeline }, Number(t.rows_read ?? 0));
        rowsLoaded.inc({ pipeline }, Number(t.loaded ?? 0));
        rowsQuarantined.inc({ pipeline }, Number(t.quarantined ?? 0));
        running.set({ pipeline }, Number(t.running));
        if (t.last_success !== null) lastSuccess.set({ pipeline }, Number(t.last_success));
      }
      for (const o of outcomes) runs.inc({ pipeline: String(o.pipeline), status: String(o.status) }, Number(o.runs));
      for (const f of finished) durations.observe({ pipeline: String(f.pipeline), status: String(f.status) }, Math.max(0, Number(f.seconds)));
      for (const state of ['pending', 'parked', 'held', 'skipped', 'published']) outbox.set({ state }, Number(states.find((s) => s.state === state)?.events ?? 0));
      lag.set(Math.max(0, Number(oldest?.lag ?? 0)));
      golden.set({ entity: 'person' }, Number(counts!.person));
      golden.set({ entity: 'legal_person' }, Number(counts!.legal_person));
      waiting.set(jobsWaiting);
      return registry.metrics();
    },
  };
}
