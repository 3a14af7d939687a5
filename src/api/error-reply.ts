/**
 * Errors as the API answers them: `{ "error": "<stable code>", "message": "<text>" }` with the
 * HTTP status of the code (contract: /work/api-contract.md). Messages of OnecodeError carry no
 * personal value by the project's rule; any other error is answered `internal` with no text of its
 * own, and logged by its kind only (src/error-text.ts).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorTextWithoutValues } from '../error-text.ts';
import { RateLimitedError } from '../access/rate-limit.ts';
import { OnecodeError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** HTTP status of each error code the API answers with; a code not listed is a 500. */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  request_invalid: 400,
  code_invalid: 400,
  needs_invalid: 400,
  query_invalid: 400,
  query_refused: 400,
  query_timeout: 400,
  export_policy_invalid: 400,
  export_view_unknown: 400,
  export_partition_refused: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  pipeline_unknown: 404,
  job_unknown: 404,
  push_unconfigured: 409,
  export_unconfigured: 409,
  export_running: 409,
  export_target_exists: 409,
  pseudonym_key_unset: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  index_closed: 503,
  serve_stopping: 503,
  tokens_unavailable: 503,
};

/** The body of an error answer. */
export interface ErrorBody {
  error: string;
  message: string;
}

/** Fastify's own errors (a body that is not JSON, too large, a bad content type) by their code. */
const FASTIFY_ERRORS: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request_invalid',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request_invalid',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request_invalid',
};

/** The error handler of the API server (Fastify `setErrorHandler`). */
export function errorHandler(logger: Logger) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const { status, body } = errorAnswer(error);
    if (status >= 500) logger.error({ route: request.routeOptions.url ?? null, errorCode: body.error, error: errorTextWithoutValues(error) }, 'request failed');
    if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
    return reply.code(status).send(body);
  };
}

/** The status and body answering `error`. */
export function errorAnswer(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof OnecodeError) {
    return { status: ERROR_STATUS[error.code] ?? 500, body: { error: error.code, message: error.message } };
  }
  const fastify = error as Partial<FastifyError>;
  if (fastify.validation !== undefined) {
    // ajv's messages name the field and the rule (`querystring/limit must be <= 1000`), never the value.
    return { status: 400, body: { error: 'request_invalid', message: fastify.message ?? 'the request is not valid' } };
  }
  const code = fastify.code === undefined ? undefined : FASTIFY_ERRORS[fastify.code];
  if (code !== undefined) return { status: ERROR_STATUS[code]!, body: { error: code, message: firstLine(fastify.message ?? code) } };
  return { status: 500, body: { error: 'internal', message: 'internal error; the server log says more' } };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
