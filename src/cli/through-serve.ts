/**
 * The CLI's commands while `onecode serve --http` holds the index: instead of being refused, they
 * ask serve through its HTTP API (serve-client.ts), as `cli:<OS user>`, channel `cli`:
 *
 * - `run NAME…|--all`: each pipeline's run is queued in serve's job queue (trigger `api`), and the
 *   command waits for that job to end (GET /api/v1/jobs/{id}, at most {@link RUN_WAIT_MS}) and
 *   prints the summary of its runs (every run of a `files: every_new` catch-up) as `run` does;
 * - `push`: serve's relay pushes now; the command waits until nothing is pending (at most
 *   {@link PUSH_WAIT_MS}) and prints what was published meanwhile;
 * - `lookup`, `materials`, `query`, `audit`, `status`: read the live index (no snapshot): the same answers as
 *   without serve, each lookup, query and audit recorded in access_log by serve.
 *
 * What only a process holding the index can do is refused with a message naming serve: `run
 * --allow-deletes`, `run --run-date`, `push --requeue-parked/--skip-parked`; and `query` returns at
 * most the API's row limit (10,000), saying so and exiting 1 when the result was cut.
 */
import type { MaterialsDocument } from '../access/protected-materials.ts';
import type { Role } from '../access/roles.ts';
import type { ApiRun } from '../api/run-rows.ts';
import type { OutboxState } from '../api/routes/outbox.ts';
import { printMaterials } from './materials-command.ts';
import { QUERY_MAX_ROWS } from '../api/routes/lookup-query.ts';
import { ConfigError, OnecodeError } from '../errors.ts';
import type { LookupDocument } from '../index/lookup.ts';
import type { RunSummary } from '../run/run-pipeline.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import type { AuditAnswer } from '../access/audit-as.ts';
import { printAudit } from './audit-command.ts';
import { formatRows, jsonSafe, type OutputFormat } from './output.ts';
import { apiError, type ServeClient } from './serve-client.ts';
import { formatStatus, type IndexStatus } from './status.ts';
import { formatRunSummary } from './summary.ts';

/** How long `push` waits for serve's relay to empty the outbox, in ms. */
export const PUSH_WAIT_MS = 60_000;
/** How long `run` waits for one pipeline's job in serve, in ms (1 hour). */
export const RUN_WAIT_MS = 3_600_000;
/** Pause between two looks at a run or the outbox, in ms. */
const POLL_MS = 250;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The note on stderr saying where the command goes. */
function note(client: ServeClient, what: string): void {
  process.stderr.write(`onecode: the index is held by onecode serve (pid ${client.pid}); ${what} through its API at ${client.origin}\n`);
}

/** `onecode lookup CODE` through serve. */
export async function lookupThroughServe(client: ServeClient, code: string, role: Role): Promise<void> {
  const { status, body } = await client.request<LookupDocument>('GET', '/api/v1/lookup/{code}', { role, params: { code } });
  if (status === 400) throw new ConfigError('code_invalid', (body as unknown as { message: string }).message);
  if (status !== 200) throw apiError(status, body);
  note(client, 'looked up');
  process.stdout.write(JSON.stringify(body, jsonSafe, 2) + '\n');
  if (body.systems.length === 0 && body.person === null && body.legal_person === null) {
    process.stderr.write(`onecode: the code is valid, but nothing in the index carries it\n`);
    process.exitCode = 1;
  }
}

/** `onecode materials --holder CODE --needs …` through serve. */
export async function materialsThroughServe(client: ServeClient, holder: string, needs: string, role: Role): Promise<void> {
  const { status, body } = await client.request<MaterialsDocument>('GET', '/api/v1/materials/{holder}', { role, params: { holder }, query: { needs } });
  if (status === 400) throw new ConfigError(String((body as unknown as { error: string }).error), (body as unknown as { message: string }).message);
  if (status !== 200) throw apiError(status, body);
  note(client, 'checked materials');
  printMaterials(body);
}

/** `onecode query SQL` through serve: at most the API's row limit. */
export async function queryThroughServe(client: ServeClient, sql: string, format: OutputFormat, role: Role): Promise<void> {
  const { status, body } = await client.request<{ columns: { name: string }[]; rows: unknown[][]; row_count: number; truncated: boolean }>('POST', '/api/v1/query', { role, body: { sql, limit: QUERY_MAX_ROWS } });
  if (status === 400) throw new ConfigError(String((body as unknown as { error: string }).error), (body as unknown as { message: string }).message);
  if (status !== 200) throw apiError(status, body);
  note(client, 'queried');
  const names = body.columns.map((c) => c.name);
  const rows = body.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])));
  process.stdout.write(formatRows(names, rows, format));
  if (body.truncated) {
    process.stderr.write(`onecode: the result was cut at ${body.row_count} rows, the most serve's API returns (pid ${client.pid}); narrow the query, or stop serve to read it all\n`);
    process.exitCode = 1;
  }
}

/** `onecode audit --code CODE` through serve. */
export async function auditThroughServe(client: ServeClient, code: string, json: boolean): Promise<void> {
  const { status, body } = await client.request<AuditAnswer>('GET', '/api/v1/audit', { role: 'steward', query: { code } });
  if (status === 400) throw new ConfigError('code_invalid', (body as unknown as { message: string }).message);
  if (status !== 200) throw apiError(status, body);
  note(client, 'audited');
  printAudit(body, json);
}

/** `onecode status` through serve. */
export async function statusThroughServe(client: ServeClient, json: boolean): Promise<void> {
  const { status, body } = await client.request<IndexStatus>('GET', '/api/v1/status', { role: 'steward' });
  if (status !== 200) throw apiError(status, body);
  note(client, 'status read');
  process.stdout.write(json ? JSON.stringify(body, jsonSafe, 2) + '\n' : formatStatus(body));
}

/** Options of `run` that only a process holding the index can honour. */
export interface RunOnlyLocally {
  allowDeletes?: boolean;
  runDate?: string;
  force?: boolean;
}

/**
 * `onecode run NAME…` through serve: each pipeline's run queued in turn, waited for, summarised.
 * A pipeline serve does not know (not in its folder) fails the command with serve's 404.
 */
export async function runThroughServe(client: ServeClient, pipelines: readonly Pipeline[], local: RunOnlyLocally): Promise<void> {
  if (local.allowDeletes || local.runDate !== undefined || local.force) {
    throw new ConfigError('usage', `onecode serve (pid ${client.pid}) holds the index: it runs pipelines as scheduled, without --allow-deletes or --run-date (or --force); stop it (kill -TERM ${client.pid}) to run with them`);
  }
  note(client, `${pipelines.length === 1 ? 'the run is' : 'the runs are'} queued`);
  const summaries: RunSummary[] = [];
  for (const pipeline of pipelines) {
    const params = { name: pipeline.name };
    const queued = await client.request<{ job_id?: string }>('POST', RUNS_ROUTE, { role: 'operator', params });
    if (queued.status !== 202) throw apiError(queued.status, queued.body);
    if (typeof queued.body.job_id !== 'string') throw new OnecodeError('serve_outdated', `onecode serve (pid ${client.pid}) answers no job id for a run: it is older than this onecode; restart it`);
    const job = await waitForJob(client, queued.body.job_id, pipeline.name);
    summaries.push(...job.runs.map(asSummary));
  }
  const outbox = await client.request<OutboxState>('GET', '/api/v1/outbox', { role: 'operator' });
  process.stdout.write(formatRunSummary(summaries, outbox.body.pending ?? 0));
  if (summaries.some((s) => s.status !== 'succeeded')) process.exitCode = 1;
}

/** The route of a pipeline's runs. */
const RUNS_ROUTE = '/api/v1/pipelines/{name}/runs';

/** A run of GET /api/v1/jobs/{id}: the runs view's columns and its linkage counts. */
type JobRun = ApiRun & { linked: number | null; unlinked: number | null; relinked: number | null };
/** What GET /api/v1/jobs/{id} answers (src/api/context.ts RunJob, with its runs). */
interface JobAnswer {
  job_id: string;
  state: 'waiting' | 'running' | 'ended' | 'failed' | 'cancelled';
  error_code: string | null;
  runs: JobRun[];
}

/**
 * Waits for serve's job `id` (a run of `pipeline`) to end, at most `waitMs`.
 * @returns the job, `ended`, with its runs.
 * @throws OnecodeError `run_job_failed` (exit 1) when the job threw or was cancelled before recording
 *   a run (its error code said); `run_wait_timeout` (exit 1) past `waitMs` (the job goes on in serve);
 *   `job_unknown` when serve no longer knows it (it restarted).
 */
export async function waitForJob(client: ServeClient, id: string, pipeline: string, waitMs = RUN_WAIT_MS): Promise<JobAnswer> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { status, body } = await client.request<JobAnswer>('GET', '/api/v1/jobs/{id}', { role: 'operator', params: { id } });
    if (status !== 200) throw apiError(status, body);
    if (body.state === 'ended') return body;
    if (body.state === 'failed' || body.state === 'cancelled') {
      throw new OnecodeError('run_job_failed', `onecode serve (pid ${client.pid}): the run of ${pipeline} ${body.state === 'cancelled' ? 'was cancelled (serve stopped before it started)' : `failed before it recorded ${body.runs.length === 0 ? 'a run' : 'all its runs'} (${body.error_code ?? 'error'}); serve's log says why`}`);
    }
    if (Date.now() >= deadline) {
      throw new OnecodeError('run_wait_timeout', `onecode serve (pid ${client.pid}): the run of ${pipeline} has not ended after ${Math.round(waitMs / 1000)} s (job ${id}, ${body.state}); it goes on in serve: see onecode status`);
    }
    await pause(POLL_MS);
  }
}

function asSummary(r: JobRun): RunSummary {
  const started = Date.parse(r.started_at);
  const ended = r.ended_at === null ? started : Date.parse(r.ended_at);
  return {
    runId: r.run_id, pipeline: r.pipeline, status: r.status, rowsRead: r.rows_read ?? 0, loaded: r.loaded ?? 0, duplicates: r.duplicates ?? 0,
    quarantined: r.quarantined ?? 0, created: r.created ?? 0, updated: r.updated ?? 0, deleted: r.deleted ?? 0, unchanged: r.unchanged ?? 0,
    events: r.events ?? 0, linked: r.linked ?? 0, unlinked: r.unlinked ?? 0, relinked: r.relinked ?? 0, durationMs: ended - started,
    ...(r.error_code === null ? {} : { errorCode: r.error_code, error: `see onecode status, or the runs view (${r.error_code})` }),
  } as unknown as RunSummary;
}

/** Options of `push` that only a process holding the index can honour. */
export interface PushOnlyLocally {
  requeueParked?: true | string[];
  skipParked?: string[];
  /** `--feed-policy`, `--brokers`, `--topic-prefix`, `--partitions`: serve pushes with its own. */
  feedPolicy?: string;
  brokers?: string;
  topicPrefix?: string;
  partitions?: string;
}

/**
 * `onecode push` through serve: its relay pushes now; waits (at most {@link PUSH_WAIT_MS}) until
 * nothing is pending, then prints one JSON line: what was published meanwhile and what is left.
 * @throws ConfigError `push_unconfigured` when serve has no broker; OnecodeError `push_pending`
 *   (exit 1) when events are still pending after the wait (serve keeps trying; its log says why).
 */
export async function pushThroughServe(client: ServeClient, local: PushOnlyLocally): Promise<void> {
  if (local.requeueParked !== undefined || local.skipParked !== undefined) {
    throw new ConfigError('usage', `onecode serve (pid ${client.pid}) holds the index: re-queueing or skipping parked events needs it; stop serve (kill -TERM ${client.pid}), then push`);
  }
  const own = (['feedPolicy', 'brokers', 'topicPrefix', 'partitions'] as const).filter((k) => local[k] !== undefined);
  if (own.length > 0) {
    const flags = own.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
    throw new ConfigError('usage', `onecode serve (pid ${client.pid}) holds the index and pushes with its own broker, topics and feed policy: ${flags} cannot change them; stop serve to push otherwise`);
  }
  const read = async () => {
    const { status, body } = await client.request<OutboxState>('GET', '/api/v1/outbox', { role: 'operator' });
    if (status !== 200) throw apiError(status, body);
    return body;
  };
  const before = await read();
  const asked = await client.request('POST', '/api/v1/push', { role: 'operator' });
  if (asked.status === 409) throw new ConfigError('push_unconfigured', `onecode serve (pid ${client.pid}) holds the index and has no broker (it was started without KAFKA_BROKERS): restart it with KAFKA_BROKERS set, and it pushes by itself`);
  if (asked.status !== 202) throw apiError(asked.status, asked.body);
  note(client, 'the push is asked for');
  const deadline = Date.now() + PUSH_WAIT_MS;
  let now = await read();
  while (now.pending > 0 && Date.now() < deadline) {
    await pause(POLL_MS);
    now = await read();
  }
  process.stdout.write(JSON.stringify({ via: 'serve', published: now.published - before.published, pending: now.pending, parked: now.parked }) + '\n');
  if (now.pending > 0) {
    process.stderr.write(`onecode: ${now.pending} event(s) still pending after ${PUSH_WAIT_MS / 1000} s; serve keeps pushing (its log says why it cannot)\n`);
    process.exitCode = 1;
  }
}
