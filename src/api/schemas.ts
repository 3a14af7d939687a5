/**
 * JSON Schemas (draft 2020-12, as OpenAPI 3.1 takes them) shared by the routes: the error body,
 * a run, nullable helpers. They document the answers in /openapi.json; they do not shape them:
 * the server writes each answer with JSON.stringify (server.ts), so that a test validating the
 * bytes sent against the document (tests/api/openapi.test.ts) sees every mismatch.
 */

/** A JSON Schema, loosely typed (routes write them as literals). */
export type Schema = Record<string, unknown>;

/** `{ type: [t, 'null'] }` of a simple schema. */
export function nullable(schema: Schema): Schema {
  const type = schema.type;
  if (typeof type === 'string') return { ...schema, type: [type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

export const INTEGER: Schema = { type: 'integer' };
export const STRING: Schema = { type: 'string' };
export const DATE_TIME: Schema = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC' };

/** `{ "error": "<stable code>", "message": "<text without personal values>" }` */
export const ERROR_BODY: Schema = {
  type: 'object',
  required: ['error', 'message'],
  additionalProperties: false,
  properties: {
    error: { type: 'string', description: 'stable code, e.g. unauthorized, forbidden, code_invalid, pipeline_unknown' },
    message: { type: 'string', description: 'what went wrong and what to do; never a personal value' },
  },
};

/** The error answers every authenticated route may give. */
export function authErrors(): Record<number, Schema> {
  return {
    401: { ...ERROR_BODY, description: 'no token, or not a valid one' },
    403: { ...ERROR_BODY, description: "the token's role lacks the right" },
    503: { ...ERROR_BODY, description: 'serve is stopping, or the token file cannot be read' },
  };
}

/** A row of the `runs` view, as the API shows it (src/api/run-rows.ts). */
export const RUN: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['run_id', 'run_no', 'pipeline', 'status', 'trigger', 'started_at', 'ended_at', 'rows_read', 'loaded', 'duplicates', 'quarantined',
    'created', 'updated', 'deleted', 'unchanged', 'events', 'error_code', 'reason_summary'],
  properties: {
    run_id: STRING,
    run_no: INTEGER,
    pipeline: STRING,
    status: { type: 'string', enum: ['running', 'succeeded', 'failed', 'abandoned'] },
    trigger: { type: 'string', description: 'manual (CLI), schedule (serve), api (POST /api/v1/pipelines/{name}/runs)' },
    started_at: DATE_TIME,
    ended_at: nullable(DATE_TIME),
    rows_read: nullable(INTEGER),
    loaded: nullable(INTEGER),
    duplicates: nullable(INTEGER),
    quarantined: nullable(INTEGER),
    created: nullable(INTEGER),
    updated: nullable(INTEGER),
    deleted: nullable(INTEGER),
    unchanged: nullable(INTEGER),
    events: nullable(INTEGER),
    error_code: nullable(STRING),
    reason_summary: {
      type: ['object', 'null'],
      description: 'quarantine reason code → { rows, first_lines }',
      additionalProperties: { type: 'object', required: ['rows'], properties: { rows: INTEGER, first_lines: { type: 'array', items: INTEGER } } },
    },
  },
};
