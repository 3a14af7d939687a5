/**
 * The routes about the service itself: `GET /healthz` (no token), `GET /metrics` (right
 * `metrics`), `GET /openapi.json` (no token).
 */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import type { ServeMetrics } from '../metrics.ts';
import { authErrors } from '../schemas.ts';

/** Registers the routes. */
export function serviceRoutes(app: FastifyInstance, context: ApiContext, metrics: ServeMetrics): void {
  app.get('/healthz', {
    config: { access: 'public' },
    schema: {
      tags: ['service'],
      summary: 'whether serve can read its index (for load balancers and probes; no token)',
      security: [],
      response: {
        200: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', const: 'ok' } } },
        503: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', const: 'unavailable' } } },
      },
    },
  }, async (_request, reply) => {
    try {
      await context.reads.withConnection(async (c) => c.run('SELECT 1'));
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  app.get('/metrics', {
    config: { access: 'metrics' },
    schema: {
      tags: ['service'],
      summary: 'Prometheus metrics (text exposition format 0.0.4): pipelines, runs, outbox, push lag, HTTP (src/api/metrics.ts)',
      response: { 200: { description: 'the metrics', content: { 'text/plain': { schema: { type: 'string', description: 'text/plain; version=0.0.4; charset=utf-8' } } } }, ...authErrors() },
    },
  }, async (_request, reply) => {
    const text = await context.reads.withConnection((c) => metrics.scrape(c, context.operations.jobsWaiting()));
    return reply.type(metrics.contentType).send(text);
  });

  app.get('/openapi.json', {
    config: { access: 'public' },
    schema: { tags: ['service'], summary: 'this document (OpenAPI 3.1)', security: [], response: { 200: { type: 'object', description: 'the OpenAPI document' } } },
  }, async () => app.swagger());
}
