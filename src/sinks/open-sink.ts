/**
 * From a sink declaration (sink-config.ts) to a {@link Sink}: the one place that knows every kind.
 */
import { mkdir, stat } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';
import { createExchangeTableSink, exchangeTables, readTargetUrl } from './exchange-table/exchange-table-sink.ts';
import { mysqlExchange } from './exchange-table/mysql.ts';
import { postgresExchange } from './exchange-table/postgres.ts';
import { createFileSink } from './file-sink.ts';
import type { Sink } from './sink.ts';
import type { SinkDeclaration } from './sink-config.ts';

/** A sink and how deliver.ts treats its target's position. */
export interface OpenSink {
  sink: Sink;
  /** The target vouches only for "at least this far" (a drop folder a collector empties). */
  atLeast: boolean;
}

/**
 * Opens the sink a declaration names (connects lazily, on first use).
 * @throws ConfigError `url_env_missing` / `url_env_invalid` (exchange tables), `sink_folder_missing`
 *   when a file sink's folder is not a folder (and `create_folder` is not set); `sink_kind_kafka`
 *   for Kafka, which keeps its own relay and proof (kafka-sink.ts) and is no {@link Sink}.
 */
export async function openSink(declaration: SinkDeclaration, env: NodeJS.ProcessEnv = process.env): Promise<OpenSink> {
  if (declaration.kind === 'kafka') throw new ConfigError('sink_kind_kafka', `${declaration.file}: the kafka sink is delivered by its relay (onecode deliver, serve), not as a Sink`);
  if (declaration.kind === 'exchange-table') {
    const dialect = declaration.dialect === 'postgres' ? postgresExchange : mysqlExchange;
    const url = readTargetUrl(`${declaration.file}: url_env`, declaration.url_env, dialect, env);
    return { sink: createExchangeTableSink({ name: declaration.name, dialect, url, tables: exchangeTables(declaration.table_prefix, declaration.schema) }), atLeast: false };
  }
  if (declaration.create_folder) await mkdir(declaration.folder, { recursive: true, mode: 0o750 }).catch(() => undefined);
  const info = await stat(declaration.folder).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new ConfigError('sink_folder_missing', `${declaration.file}: folder: ${declaration.folder} is not a folder; create the drop folder first`);
  }
  return { sink: createFileSink({ name: declaration.name, folder: declaration.folder, format: declaration.format }), atLeast: true };
}
