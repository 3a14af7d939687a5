/**
 * What a pipeline's data looks like: `GET /api/v1/pipelines/{name}/quarantine` (the rows its
 * latest successful run quarantined, with reasons; the rows' text only for a role with
 * `read_quarantined_text`: it is source data, personal values and all; the reasons' messages only
 * under the `clear` policy, as the access guard shows reasons: they can quote a value) and
 * `GET /api/v1/pipelines/{name}/flags` (data-quality flags of its records: counts only).
 *
 * A quarantine answer that shows rows' text or reasons' messages in clear is recorded in
 * access_log (GB/T 35273-2020 §11.3) as action `export`: `query` names what was exported
 * (`quarantine <pipeline> run <run_no>`), row_count the rows shown, `codes` the one codes found in
 * their text and messages (query-codes.ts), so that `onecode audit --code` finds it. An answer of
 * counts and reason codes only (an analyst's, an operator's, a run without quarantined rows) shows
 * no personal value and is not recorded.
 */
import type { FastifyInstance } from 'fastify';
import { recordAccess } from '../../access/access-log.ts';
import { guardValue } from '../../access/guard-value.ts';
import { createCodeCollector } from '../../access/query-codes.ts';
import { hasRight, personalPolicyOf } from '../../access/roles.ts';
import { resultRows } from '../../index/result-rows.ts';
import { quoteLiteral } from '../../index/sql-text.ts';
import { channelOf, principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { authErrors, ERROR_BODY, INTEGER, nullable, STRING } from '../schemas.ts';
import { knownPipeline } from './pipelines.ts';

/** Quarantined rows listed when `limit` is not given, and the most a request may ask for. */
export const QUARANTINE_DEFAULT_LIMIT = 100;
export const QUARANTINE_MAX_LIMIT = 1000;

const NAME_PARAMS = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } };

const REASON = {
  type: 'object',
  required: ['code'],
  properties: { code: STRING, field: nullable(STRING), message: STRING },
  description: 'a machine-readable reason (src/identifiers/reason-codes.ts); its message (which can quote a value) only for a steward',
};

const QUARANTINE = {
  type: 'object',
  additionalProperties: false,
  required: ['run_id', 'run_no', 'total', 'reasons', 'rows'],
  properties: {
    run_id: { ...nullable(STRING), description: 'the latest successful run; null when the pipeline has none' },
    run_no: nullable(INTEGER),
    total: { ...INTEGER, description: 'rows the run quarantined (`rows` lists the first `limit` by position)' },
    reasons: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['reason_code', 'rows'], properties: { reason_code: STRING, rows: INTEGER } } },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['run_id', 'line', 'position_kind', 'reason_codes', 'reasons'],
        properties: {
          run_id: STRING,
          line: { ...nullable(INTEGER), description: 'where the row starts in the source, counted as position_kind says' },
          position_kind: STRING,
          reason_codes: { type: 'array', items: STRING },
          reasons: { type: 'array', items: REASON },
          raw: { ...nullable(STRING), description: "the row's text (null when withheld at quarantine); present only for a role with read_quarantined_text (steward)" },
        },
      },
    },
  },
};

const FLAGS = {
  type: 'object',
  additionalProperties: false,
  required: ['flags', 'by_run'],
  properties: {
    flags: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['flag', 'records'], properties: { flag: STRING, records: INTEGER } } },
    by_run: {
      type: 'array',
      description: "the records held now, by the run that last changed them (a record's flags are those of its last load)",
      items: { type: 'object', additionalProperties: false, required: ['run_no', 'flag', 'records'], properties: { run_no: INTEGER, flag: STRING, records: INTEGER } },
    },
  },
};

/** Registers the routes. */
export function pipelineQualityRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Params: { name: string }; Querystring: { limit: number } }>('/api/v1/pipelines/:name/quarantine', {
    config: { access: 'read_operations' },
    schema: {
      tags: ['pipelines'],
      summary: "the rows the pipeline's latest successful run quarantined, and why",
      params: NAME_PARAMS,
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 0, maximum: QUARANTINE_MAX_LIMIT, default: QUARANTINE_DEFAULT_LIMIT } } },
      response: { 200: QUARANTINE, 400: ERROR_BODY, 404: ERROR_BODY, ...authErrors() },
    },
  }, async (request) => {
    const { name: who, role } = principalOf(request);
    const withText = hasRight(role, 'read_quarantined_text');
    const policy = personalPolicyOf(role, context.env);
    const name = quoteLiteral(request.params.name);
    return context.reads.withConnection(async (c) => {
      await knownPipeline(context, c, request.params.name);
      const [latest] = resultRows(await c.runAndReadAll(`SELECT max_by(run_id, run_no) AS run_id, max(run_no) AS run_no FROM run_log WHERE pipeline = ${name} AND status = 'succeeded'`));
      const runId = (latest?.run_id as string | null | undefined) ?? null;
      if (runId === null) return { run_id: null, run_no: null, total: 0, reasons: [], rows: [] };
      const run = quoteLiteral(runId);
      const total = Number((await c.runAndReadAll(`SELECT count(*) FROM quarantine_history WHERE run_id = ${run}`)).getRows()[0]![0]);
      const reasons = resultRows(await c.runAndReadAll(`
        SELECT reason_code, count(*) AS rows FROM (SELECT unnest(reason_codes) AS reason_code FROM quarantine_history WHERE run_id = ${run})
        GROUP BY ALL ORDER BY rows DESC, reason_code`));
      const rows = resultRows(await c.runAndReadAll(`
        SELECT run_id, line, position_kind, reason_codes, reasons::VARCHAR AS reasons${withText ? ', raw' : ''}
        FROM quarantine_history WHERE run_id = ${run} ORDER BY line NULLS LAST LIMIT ${request.query.limit}`));
      const shown = rows.map((r) => ({ ...r, reasons: guardValue(JSON.parse(String(r.reasons)), 'reasons', policy) }));
      if ((withText || policy === 'clear') && shown.length > 0) {
        const collector = createCodeCollector();
        for (const row of shown) collector.add([(row as Record<string, unknown>).raw, row.reasons]);
        await recordAccess(c, {
          who, role, channel: channelOf(request), action: 'export', policy,
          query: `quarantine ${request.params.name} run ${Number(latest!.run_no)}`,
          rowCount: shown.length, codes: collector.codes,
        });
      }
      return { run_id: runId, run_no: Number(latest!.run_no), total, reasons, rows: shown };
    });
  });

  app.get<{ Params: { name: string } }>('/api/v1/pipelines/:name/flags', {
    config: { access: 'read_operations' },
    schema: {
      tags: ['pipelines'],
      summary: "data-quality flags of the pipeline's records, per flag code and per run",
      params: NAME_PARAMS,
      response: { 200: FLAGS, 404: ERROR_BODY, ...authErrors() },
    },
  }, async (request) =>
    context.reads.withConnection(async (c) => {
      await knownPipeline(context, c, request.params.name);
      const flagged = `
        SELECT DISTINCT source_key, changed_run_no, f.code AS flag
        FROM (SELECT source_key, changed_run_no, unnest(CAST(flags AS STRUCT(code VARCHAR, field VARCHAR, message VARCHAR)[])) AS f
              FROM source_record WHERE pipeline = ${quoteLiteral(request.params.name)} AND flags IS NOT NULL)`;
      const flags = resultRows(await c.runAndReadAll(`SELECT flag, count(*) AS records FROM (${flagged}) GROUP BY flag ORDER BY records DESC, flag`));
      const byRun = resultRows(await c.runAndReadAll(`SELECT changed_run_no AS run_no, flag, count(*) AS records FROM (${flagged}) GROUP BY ALL ORDER BY run_no, flag`));
      return { flags, by_run: byRun };
    }),
  );
}
