/**
 * The HTTP API of `onecode serve` (contract: docs/api.md): a Fastify 5 server over the live index.
 *
 * Why Fastify: routes declare JSON Schemas for their parameters, bodies and answers; Fastify
 * validates requests with them (ajv) and @fastify/swagger turns the same schemas into the OpenAPI
 * 3.1 document at /openapi.json, so the document cannot drift from the routes. Its hooks give one
 * place to decide who is asking before anything else happens (auth.ts). It is maintained by the
 * OpenJS Foundation, and it and its plugins install from the npm registry alone (no native code).
 *
 * Answers are written with JSON.stringify, not with Fastify's schema-compiled serializer: that one
 * drops fields the schema does not name and coerces types, which would hide a mismatch between a
 * route and its documented schema. tests/api/openapi.test.ts validates the bytes sent instead.
 *
 * Fastify's own logger is off (it logs URLs, and a lookup's URL holds a code): request-log.ts logs
 * one line per request with the route's pattern.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { keyForPolicy } from '../access/policy-key.ts';
import { createRateLimiter, rateLimitFromEnv } from '../access/rate-limit.ts';
import { personalPolicyOf } from '../access/roles.ts';
import type { TokenVerifier } from '../access/tokens.ts';
import { jsonSafe } from '../cli/output.ts';
import type { Logger } from '../logger.ts';
import { authHook } from './auth.ts';
import type { ApiContext, ServeOperations } from './context.ts';
import { errorHandler } from './error-reply.ts';
import { createServeMetrics } from './metrics.ts';
import type { ReadPool } from './read-pool.ts';
import { requestLogHook } from './request-log.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { consoleRoutes } from './routes/console-files.ts';
import { outboxRoutes } from './routes/outbox.ts';
import { pipelineQualityRoutes } from './routes/pipeline-quality.ts';
import { pipelineRoutes } from './routes/pipelines.ts';
import { auditRoutes } from './routes/audit.ts';
import { exportRoutes } from './routes/exports.ts';
import { lookupQueryRoutes } from './routes/lookup-query.ts';
import { materialsRoutes } from './routes/materials.ts';
import { serviceRoutes } from './routes/service.ts';
import { statusRoutes } from './routes/status.ts';

/** The API's version, as in its paths (`/api/v1/…`) and the document's `info.version`. */
export const API_VERSION = '1';

/** Largest request body accepted, in bytes (a query's SQL). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Options of {@link createApiServer}. */
export interface ApiServerOptions {
  /** Read connections to serve's index (read-pool.ts). */
  reads: ReadPool;
  /** Every valid pipeline of serve's folder, scheduled or not. */
  pipelines: readonly Pipeline[];
  operations: ServeOperations;
  /** Checks bearer tokens (src/access/tokens.ts). */
  tokens: TokenVerifier;
  /** Parent logger; the server logs as child `component: 'http'`. */
  logger: Logger;
  /** The web console's folder. Default src/console/. */
  consoleDir?: string;
  /** Environment for the analyst policy and the pseudonym key. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds the server with every route; it is not listening yet (`listen`, or `inject` in tests).
 * Close it with `close()`: it stops accepting, then waits for the requests going.
 * @throws ConfigError `analyst_policy_invalid` (ONECODE_ANALYST_POLICY), `pseudonym_key_unset` or
 *   what readKeyFile throws when the analysts' policy is `pseudonymise` and its key cannot be read:
 *   found when serve starts, not at an analyst's first lookup; ConfigError `rate_limit_invalid`
 *   (ONECODE_ANALYST_LOOKUPS_PER_MINUTE, ONECODE_ANALYST_QUERIES_PER_MINUTE).
 */
export async function createApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const logger = options.logger.child({ component: 'http' });
  const env = options.env ?? process.env;
  const analystPolicy = personalPolicyOf('analyst', env);
  const pseudonymKey = await keyForPolicy(analystPolicy, env);
  const context: ApiContext = {
    reads: options.reads,
    pipelines: new Map(options.pipelines.map((p) => [p.name, p])),
    operations: options.operations,
    logger,
    env,
    keyFor: (policy) => (policy === 'pseudonymise' ? pseudonymKey : undefined),
    limits: { lookup: createRateLimiter(rateLimitFromEnv('lookup', env)), query: createRateLimiter(rateLimitFromEnv('query', env)) },
  };
  const metrics = createServeMetrics();
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // while closing, requests still come to the routes (a run asked for then gets 503 serve_stopping in the API's own shape)
    return503OnClosing: false,
    // a query string's `limit=5` is a number; nothing else is coerced
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false } },
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data, jsonSafe));
  app.setErrorHandler(errorHandler(logger));
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found', message: 'no such route (the routes: /openapi.json)' }));
  app.addHook('onRequest', authHook(options.tokens, logger));
  app.addHook('onSend', async (request, reply, payload) => {
    // Answers of the API can hold personal values: no cache keeps them.
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
  app.addHook('onResponse', requestLogHook(logger, (line) => metrics.observeRequest(line)));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'onecode HTTP API',
        version: API_VERSION,
        description: 'The live one-code index served by `onecode serve --http`: lookups, read-only SQL, pipelines and runs, quarantine, flags, outbox, status, metrics. Personal values are shown as the token\'s role allows (operator: none, analyst: masked or pseudonymised, steward: in clear); every lookup, query and audit is recorded in access_log.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token of `onecode token add NAME --role ROLE`' } } },
      security: [{ bearer: [] }],
    },
  });

  serviceRoutes(app, context, metrics);
  statusRoutes(app, context);
  pipelineRoutes(app, context);
  catalogueRoutes(app, context);
  pipelineQualityRoutes(app, context);
  outboxRoutes(app, context);
  lookupQueryRoutes(app, context);
  materialsRoutes(app, context);
  auditRoutes(app, context);
  exportRoutes(app, context);
  await consoleRoutes(app, options.consoleDir);
  return app;
}
