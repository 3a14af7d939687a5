/**
 * `POST /api/v1/exports` (right `export`, stewards only): `onecode export` on serve's live index
 * (src/export/export-index.ts), answering with the manifest written (docs/export.md).
 *
 * The folder is never the client's to choose: the body names an export (`name`, letters, digits,
 * `_` and `-`: no separator, no dot, so no `..` and no absolute path), written as
 * `<export root>/<name>`, the root being the folder ONECODE_EXPORT_ROOT names on serve's machine.
 * Without that variable the route answers 409 `export_unconfigured`: serve writes no file anywhere
 * it was not told to. The policy, views, partitioning and replacing are those of the CLI's
 * options (`policy` as `--policy`, with ONECODE_EXPORT_POLICY and the default under it).
 *
 * One export at a time per serve (an export holds the whole index's views in one transaction and
 * DuckDB's memory for as long as it writes): a second request while one runs answers 409
 * `export_running`. The export runs on a read connection of the pool (read-pool.ts): it reads
 * one committed state of the index, and waits for no run. It is recorded in access_log as every
 * export is (action `export`, the token's name and role, channel `api`).
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { keyForPolicy } from '../../access/policy-key.ts';
import { ANALYST_VIEW_NAMES } from '../../access/analyst-views.ts';
import { OnecodeError } from '../../errors.ts';
import { exportIndex, PARTITION_KEYS, type ExportManifest, type PartitionKey } from '../../export/export-index.ts';
import { EXPORT_FORMAT } from '../../export/export-folder.ts';
import { resolveExportPolicy } from '../../export/export-policy.ts';
import { FEED_CLASSES } from '../../protect/field-classes.ts';
import { channelOf, principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { authErrors, ERROR_BODY, INTEGER, nullable, STRING } from '../schemas.ts';

/** The environment variable naming the folder API exports are written under. */
export const EXPORT_ROOT_VARIABLE = 'ONECODE_EXPORT_ROOT';

/** An export's name: its folder under the root. */
const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';

const CLASSES = { type: 'array', items: { type: 'string', enum: [...FEED_CLASSES, 'metadata'] } };

/** manifest.json of an export (export-index.ts ExportManifest). */
const MANIFEST = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'exported_at', 'index_schema_version', 'file_format', 'policy', 'partition_by', 'partition_rule', 'digest', 'views'],
  properties: {
    format: { type: 'string', const: EXPORT_FORMAT },
    exported_at: { type: 'string', format: 'date-time', description: 'ISO 8601, UTC' },
    index_schema_version: nullable(STRING),
    file_format: { type: 'string', enum: ['parquet'] },
    policy: { type: 'string', description: 'every class named: public=…,internal=…,personal=…' },
    partition_by: { type: ['string', 'null'], enum: [...PARTITION_KEYS, null] },
    partition_rule: nullable(STRING),
    digest: { type: 'string', const: 'SM3 (GB/T 32905-2016)' },
    views: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['view', 'rows', 'partition_by', 'columns', 'left_out', 'files'],
        properties: {
          view: STRING,
          rows: INTEGER,
          partition_by: { type: ['string', 'null'], enum: [...PARTITION_KEYS, null] },
          columns: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'classes', 'treatment'],
              properties: { name: STRING, classes: CLASSES, treatment: { type: 'array', items: { type: 'string', enum: ['clear', 'mask', 'pseudonymise', 'drop'] } } },
            },
          },
          left_out: { type: 'array', items: STRING },
          files: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['path', 'rows', 'bytes', 'sm3'],
              properties: {
                path: { type: 'string', description: 'relative to the export folder, with /' },
                rows: INTEGER,
                bytes: INTEGER,
                sm3: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SM3 of the file\'s bytes, hex' },
              },
            },
          },
        },
      },
    },
  },
};

/** The body of the request. */
interface ExportBody {
  name: string;
  policy?: string;
  partition_by?: PartitionKey;
  views?: string[];
  overwrite?: boolean;
}

/**
 * The folder of the export `name`: `<ONECODE_EXPORT_ROOT>/<name>`.
 * @throws OnecodeError `export_unconfigured` when the variable is unset or not an absolute path.
 */
function exportFolder(name: string, env: NodeJS.ProcessEnv): string {
  const root = env[EXPORT_ROOT_VARIABLE]?.trim();
  if (!root || !path.isAbsolute(root)) {
    throw new OnecodeError('export_unconfigured', `exports through the API need ${EXPORT_ROOT_VARIABLE}, an absolute folder on serve's machine that they are written under`);
  }
  return path.join(root, name);
}

/** Registers the route. */
export function exportRoutes(app: FastifyInstance, context: ApiContext): void {
  let running = false;
  app.post<{ Body: ExportBody }>('/api/v1/exports', {
    config: { access: 'export' },
    schema: {
      tags: ['index'],
      summary: `write the analyst views as Parquet under ${EXPORT_ROOT_VARIABLE}/<name> (onecode export), personal values under the policy; recorded in access_log`,
      body: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: NAME_PATTERN, description: `the export's folder under ${EXPORT_ROOT_VARIABLE}: letters, digits, _ and -` },
          policy: { type: 'string', minLength: 1, maxLength: 200, description: 'as --policy: public=…,internal=…,personal=… (clear, mask, pseudonymise, drop); classes not named: ONECODE_EXPORT_POLICY, else public=clear,internal=clear,personal=mask' },
          partition_by: { type: 'string', enum: [...PARTITION_KEYS] },
          views: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...ANALYST_VIEW_NAMES] }, description: 'default: every analyst view' },
          overwrite: { type: 'boolean', default: false, description: 'replace an earlier export of that name' },
        },
      },
      response: {
        200: { ...MANIFEST, description: 'the manifest written (manifest.json of the folder)' },
        400: { ...ERROR_BODY, description: 'export_policy_invalid, export_partition_refused, request_invalid' },
        409: { ...ERROR_BODY, description: `export_unconfigured (${EXPORT_ROOT_VARIABLE} unset), export_running (one at a time), export_target_exists (without overwrite, or a folder that is not an export), pseudonym_key_unset` },
        ...authErrors(),
      },
    },
  }, async (request): Promise<ExportManifest> => {
    const body = request.body;
    const out = exportFolder(body.name, context.env);
    const policy = resolveExportPolicy(body.policy, context.env);
    const key = FEED_CLASSES.some((c) => policy[c] === 'pseudonymise') ? await keyForPolicy('pseudonymise', context.env) : undefined;
    if (running) throw new OnecodeError('export_running', 'an export is being written: ask again when it has ended');
    running = true;
    try {
      const { name, role } = principalOf(request);
      return await context.reads.withConnection((c) =>
        exportIndex(c, { name, role, channel: channelOf(request) }, { out, policy, key, partitionBy: body.partition_by, views: body.views, overwrite: body.overwrite === true }),
      );
    } catch (error) {
      // the folder's path is serve's, not the client's: the message names the export instead
      if (error instanceof OnecodeError) throw new OnecodeError(error.code, error.message.replaceAll(out, `export '${body.name}'`), { exitCode: error.exitCode, cause: error });
      throw error;
    } finally {
      running = false;
    }
  });
}
