/**
 * `onecode export --format parquet [--partition-by region] [--policy CLASS=POLICY,…] [--out DIR]
 * [--views V,…] [--overwrite]`: the analyst views as Parquet files for other machines
 * (src/export/export-index.ts), written under the export's policy per class
 * (src/export/export-policy.ts), recorded in access_log as `cli:<OS user>` (the owner's tool,
 * role steward, as `lookup` and `query` run by default). Prints one JSON line: the folder, the
 * policy, and each view's rows and files.
 */
import path from 'node:path';
import { keyForPolicy } from '../access/policy-key.ts';
import { exportIndex, checkExportOptions, type ExportFileFormat, type PartitionKey } from '../export/export-index.ts';
import { resolveExportPolicy } from '../export/export-policy.ts';
import { FEED_CLASSES } from '../protect/field-classes.ts';
import { cliRequester } from './cli-requester.ts';
import { openIndexForRecording } from './open-index-for-cli.ts';

/** Options of {@link exportCommand}, from the command line. */
export interface ExportCommandOptions {
  dbPath: string;
  format: ExportFileFormat;
  /** Default: `export` beside the index file. */
  out?: string;
  partitionBy?: PartitionKey;
  /** `--policy` text; default ONECODE_EXPORT_POLICY, then `public=clear,internal=clear,personal=mask`. */
  policy?: string;
  /** `--views a,b`; default every analyst view. */
  views?: string;
  overwrite?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The folder an export goes to without `--out`: `export/` beside the index file. */
export function defaultExportFolder(dbPath: string): string {
  return path.join(path.dirname(dbPath), 'export');
}

/**
 * Runs the export and prints its summary line on stdout.
 * @throws ConfigError (exit 2) for a bad policy, view, partitioning or target, or a missing key,
 *   before the index is opened; what openIndexForRecording and exportIndex throw.
 */
export async function exportCommand(options: ExportCommandOptions): Promise<void> {
  const env = options.env ?? process.env;
  const policy = resolveExportPolicy(options.policy, env);
  const key = FEED_CLASSES.some((c) => policy[c] === 'pseudonymise') ? await keyForPolicy('pseudonymise', env) : undefined;
  const views = options.views?.split(',').map((v) => v.trim()).filter((v) => v !== '');
  checkExportOptions({ views, partitionBy: options.partitionBy, policy, key });
  const out = options.out ?? defaultExportFolder(options.dbPath);
  const index = await openIndexForRecording(options.dbPath);
  try {
    const manifest = await exportIndex(index.connection, cliRequester('steward'), {
      out, policy, key, partitionBy: options.partitionBy, views, overwrite: options.overwrite, format: options.format,
    });
    process.stdout.write(`${JSON.stringify({
      out,
      policy: manifest.policy,
      partition_by: manifest.partition_by,
      views: Object.fromEntries(manifest.views.map((v) => [v.view, { rows: v.rows, files: v.files.length }])),
    })}\n`);
  } finally {
    index.close();
  }
}
