/**
 * `GET /api/v1/catalogue`: the resource catalogue entries of serve's pipelines (政务信息资源目录,
 * docs/catalogue.md), the same JSON as `onecode catalogue` (src/catalogue/catalogue-table.ts
 * catalogueOf): `{ entries, missing }`. Catalogue metadata holds no personal value: it needs the
 * right `read_operations`, as the pipelines' list does (operators and analysts hold it), and is not
 * recorded in access_log.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CatalogueEntry } from '../../../schemas/catalogue-entry.ts';
import { ENTITY_KINDS } from '../../../schemas/canonical.ts';
import { catalogueOf } from '../../catalogue/catalogue-table.ts';
import type { ApiContext } from '../context.ts';
import { authErrors, STRING, type Schema } from '../schemas.ts';

/** One entry as listed: the entry's JSON Schema (from its zod schema: one definition) with the pipeline, its system and entity. */
function listingSchema(): Schema {
  const { $schema: _, ...entry } = z.toJSONSchema(CatalogueEntry, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown> & { properties: Record<string, unknown>; required: string[] };
  return {
    ...entry,
    required: ['pipeline', 'system', 'entity', ...entry.required],
    properties: { pipeline: { ...STRING, description: 'the pipeline declaring the entry (its YAML file name)' }, system: STRING, entity: { type: 'string', enum: [...ENTITY_KINDS] }, ...entry.properties },
  };
}

/** Registers the route. */
export function catalogueRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get('/api/v1/catalogue', {
    config: { access: 'read_operations' },
    schema: {
      tags: ['pipelines'],
      summary: "the catalogue entries of serve's pipelines, as onecode catalogue exports them (JSON)",
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['entries', 'missing'],
          properties: {
            entries: { type: 'array', items: listingSchema(), description: 'one per pipeline that declares an entry, in pipeline-name order' },
            missing: { type: 'array', items: STRING, description: 'the pipelines without an entry (onecode check warns of each)' },
          },
        },
        ...authErrors(),
      },
    },
  }, async () => catalogueOf([...context.pipelines.values()]));
}
