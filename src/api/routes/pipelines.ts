/**
 * Pipelines and their runs: `GET /api/v1/pipelines`, `GET /api/v1/pipelines/{name}/runs`,
 * `POST /api/v1/pipelines/{name}/runs` (a run now, through serve's job queue).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';
import { OnecodeError } from '../../errors.ts';
import { resultRows } from '../../index/result-rows.ts';
import { quoteLiteral } from '../../index/sql-text.ts';
import type { Pipeline } from '../../../schemas/pipeline.ts';
import type { ApiContext } from '../context.ts';
import { apiRuns, isoSql, RUN_COLUMNS, runsOf, type ApiRun } from '../run-rows.ts';
import { authErrors, DATE_TIME, ERROR_BODY, INTEGER, nullable, RUN, STRING } from '../schemas.ts';

/** Runs listed when `limit` is not given, and the most a request may ask for. */
export const RUNS_DEFAULT_LIMIT = 20;
export const RUNS_MAX_LIMIT = 1000;

const NAME_PARAMS = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 200, description: 'pipeline name (its YAML file name)' } },
};

const PIPELINE = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'system', 'entity', 'connector', 'schedule', 'timezone', 'last_run', 'last_success_at'],
  properties: {
    name: STRING,
    system: STRING,
    entity: { type: 'string', enum: ['person', 'legal_person', 'record', 'licence'] },
    connector: { type: 'string', description: 'connector kind: csv, ndjson, xlsx, postgres, mysql, http' },
    schedule: nullable(STRING),
    timezone: STRING,
    last_run: { anyOf: [RUN, { type: 'null' }] },
    last_success_at: nullable(DATE_TIME),
  },
};

/** A pipeline as `GET /api/v1/pipelines` lists it. */
interface ApiPipeline {
  name: string;
  system: string;
  entity: string;
  connector: string;
  schedule: string | null;
  timezone: string;
  last_run: ApiRun | null;
  last_success_at: string | null;
}

/**
 * The pipeline `name` for reading its runs, quarantine or flags: one of serve's folder, or one the
 * index has runs of (its file may have gone since).
 * @throws OnecodeError `pipeline_unknown` (404) otherwise.
 */
export async function knownPipeline(context: ApiContext, connection: DuckDBConnection, name: string): Promise<void> {
  if (context.pipelines.has(name)) return;
  const runs = (await connection.runAndReadAll(`SELECT count(*) FROM run_log WHERE pipeline = ${quoteLiteral(name)}`)).getRows()[0]![0];
  if (Number(runs) === 0) throw unknownPipeline(name);
}

function unknownPipeline(name: string): OnecodeError {
  return new OnecodeError('pipeline_unknown', `no pipeline named '${name}' in serve's pipelines folder or in the index`);
}

/** Registers the routes. */
export function pipelineRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get('/api/v1/pipelines', {
    config: { access: 'read_operations' },
    schema: {
      tags: ['pipelines'],
      summary: "serve's pipelines, each with its last run and last success",
      response: { 200: { type: 'object', additionalProperties: false, required: ['pipelines'], properties: { pipelines: { type: 'array', items: PIPELINE } } }, ...authErrors() },
    },
  }, async () => {
    const pipelines = [...context.pipelines.values()];
    return context.reads.withConnection(async (c) => {
      const last = new Map(apiRuns(resultRows(await c.runAndReadAll(`SELECT ${RUN_COLUMNS} FROM runs QUALIFY row_number() OVER (PARTITION BY pipeline ORDER BY run_no DESC) = 1`))).map((r) => [r.pipeline, r]));
      const success = new Map(resultRows(await c.runAndReadAll(`SELECT pipeline, ${isoSql('max(ended_at)')} AS at FROM runs WHERE status = 'succeeded' GROUP BY pipeline`)).map((r) => [String(r.pipeline), String(r.at)]));
      return { pipelines: pipelines.map((p): ApiPipeline => describe(p, last.get(p.name) ?? null, success.get(p.name) ?? null)) };
    });
  });

  app.get<{ Params: { name: string }; Querystring: { limit: number } }>('/api/v1/pipelines/:name/runs', {
    config: { access: 'read_operations' },
    schema: {
      tags: ['pipelines'],
      summary: "a pipeline's runs, newest first",
      params: NAME_PARAMS,
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: RUNS_MAX_LIMIT, default: RUNS_DEFAULT_LIMIT } } },
      response: {
        200: { type: 'object', additionalProperties: false, required: ['runs'], properties: { runs: { type: 'array', items: RUN } } },
        400: ERROR_BODY,
        404: { ...ERROR_BODY, description: 'pipeline_unknown' },
        ...authErrors(),
      },
    },
  }, async (request) =>
    context.reads.withConnection(async (c) => {
      await knownPipeline(context, c, request.params.name);
      return { runs: await runsOf(c, request.params.name, request.query.limit) };
    }),
  );

  app.post<{ Params: { name: string } }>('/api/v1/pipelines/:name/runs', {
    config: { access: 'operate' },
    schema: {
      tags: ['pipelines'],
      summary: "run a pipeline now, in its turn on serve's job queue (trigger `api`)",
      params: NAME_PARAMS,
      response: {
        202: { type: 'object', additionalProperties: false, required: ['queued', 'job', 'job_id'], properties: { queued: { type: 'boolean', const: true }, job: STRING, job_id: { ...STRING, description: 'for GET /api/v1/jobs/{id}' } } },
        404: { ...ERROR_BODY, description: 'pipeline_unknown: not a valid pipeline of serve\'s folder' },
        ...authErrors(),
      },
    },
  }, async (request, reply) => {
    const pipeline = context.pipelines.get(request.params.name);
    if (pipeline === undefined) throw unknownPipeline(request.params.name);
    const { job, job_id } = context.operations.triggerRun(pipeline);
    return reply.code(202).send({ queued: true, job, job_id });
  });

  app.get<{ Params: { id: string } }>('/api/v1/jobs/:id', {
    config: { access: 'operate' },
    schema: {
      tags: ['pipelines'],
      summary: 'a run job asked for with POST /api/v1/pipelines/{name}/runs: its state and, once it has ended, its runs (with their linkage counts)',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } },
      response: {
        200: JOB,
        404: { ...ERROR_BODY, description: 'job_unknown: no such job (serve restarted, or it is older than the latest 1,000)' },
        ...authErrors(),
      },
    },
  }, async (request) => {
    const job = context.operations.jobOf(request.params.id);
    if (job === undefined) throw new OnecodeError('job_unknown', `no job '${request.params.id}' in this serve (it restarted, or the job is older than the latest 1,000)`);
    const settled = job.state !== 'waiting' && job.state !== 'running';
    if (!settled || job.run_ids.length === 0) return { ...job, runs: [] };
    return context.reads.withConnection(async (c) => {
      const reader = await c.runAndReadAll(`SELECT ${RUN_COLUMNS}, linked, unlinked, relinked FROM runs WHERE run_id IN (${job.run_ids.map(quoteLiteral).join(', ')}) ORDER BY run_no`);
      return { ...job, runs: apiRuns(resultRows(reader)) };
    });
  });
}

/** A run job and, once settled, its runs with their linkage counts (legacy codes linked, unlinked, relinked). */
const JOB = {
  type: 'object',
  additionalProperties: false,
  required: ['job_id', 'job', 'pipeline', 'state', 'run_ids', 'error_code', 'runs'],
  properties: {
    job_id: STRING,
    job: STRING,
    pipeline: STRING,
    state: { type: 'string', enum: ['waiting', 'running', 'ended', 'failed', 'cancelled'] },
    run_ids: { type: 'array', items: STRING },
    error_code: nullable(STRING),
    runs: {
      type: 'array',
      items: {
        ...RUN,
        required: [...(RUN.required as string[]), 'linked', 'unlinked', 'relinked'],
        properties: { ...(RUN.properties as object), linked: nullable(INTEGER), unlinked: nullable(INTEGER), relinked: nullable(INTEGER) },
      },
    },
  },
};

function describe(p: Pipeline, lastRun: ApiRun | null, lastSuccessAt: string | null): ApiPipeline {
  return {
    name: p.name,
    system: p.system,
    entity: p.entity,
    connector: p.connector.kind,
    schedule: p.schedule ?? null,
    timezone: p.timezone,
    last_run: lastRun,
    last_success_at: lastSuccessAt,
  };
}
