/**
 * The connection URL of a database connector: read from the environment variable `url_env`
 * names, and described for people without its secrets. The URL itself (password, query string
 * with `password=`, `sslkey=` and the like) is handed to the driver and nowhere else: not the YAML,
 * a log, a run row or an error message.
 */
import { createHash } from 'node:crypto';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { ConfigError } from '../../src/errors.ts';
import type { SourceDescription } from '../types.ts';
import { sqlSource, type SqlOptions } from './options.ts';

/** What a driver accepts: its URL schemes and default port. */
export interface UrlSpec {
  /** Connector kind, the URI scheme of descriptions (`postgres`, `mysql`). */
  kind: string;
  /** URL schemes accepted, without `:` (`postgres`, `postgresql`). */
  schemes: readonly string[];
  /** Port when the URL names none. */
  defaultPort: number;
}

/** A connection URL read from the environment. */
export interface DatabaseUrl {
  /** The URL as the variable holds it, password included: for the driver only. */
  secret: string;
  /** `user@host:port/database`, no password, no query string. */
  safe: string;
  /** `host:port/database`. */
  server: string;
}

/**
 * Reads the URL `options.url_env` names from `env`.
 * @throws ConfigError `url_env_missing` when the variable is not set or empty, `url_env_invalid`
 *   when it holds no URL of an accepted scheme; the message names the pipeline file and line, the
 *   option and the variable, never its value.
 */
export function readDatabaseUrl(pipeline: Pick<Pipeline, 'file' | 'fieldLines'>, options: Pick<SqlOptions, 'url_env'>, env: NodeJS.ProcessEnv, spec: UrlSpec): DatabaseUrl {
  const where = `${pipeline.file}:${pipeline.fieldLines?.['connector.url_env'] ?? 1}: connector.url_env`;
  const variable = options.url_env;
  const value = Object.hasOwn(env, variable) ? env[variable]?.trim() : undefined;
  if (value === undefined || value === '') {
    throw new ConfigError('url_env_missing', `${where}: environment variable ${variable} is not set (or empty); export the connection URL (${spec.schemes[0]}://user:password@host:${spec.defaultPort}/database) in it before the run`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('url_env_invalid', `${where}: environment variable ${variable} holds no URL; expected ${spec.schemes[0]}://user:password@host:${spec.defaultPort}/database`);
  }
  if (!spec.schemes.includes(url.protocol.replace(/:$/, '')) || url.hostname === '') {
    throw new ConfigError('url_env_invalid', `${where}: environment variable ${variable} holds no ${spec.schemes.map((s) => `${s}://`).join(' or ')} URL with a host; expected ${spec.schemes[0]}://user:password@host:${spec.defaultPort}/database`);
  }
  const server = `${url.hostname}:${url.port || spec.defaultPort}${url.pathname === '/' ? '' : url.pathname}`;
  return { secret: value, server, safe: `${url.username ? `${url.username}@` : ''}${server}` };
}

/**
 * The source for people and tables: `postgres://user@host:5432/db?table=public.staff` and
 * `public.staff on host:5432/db`; a query is named by the first 12 hex digits of its SHA-256
 * (`?query=sha256:…`), so a changed query shows in the runs without its text. Before the URL is
 * read (`url` absent), the variable stands for the server: `postgres://$STAFF_DB_URL?table=…`.
 */
export function describeSqlSource(kind: string, options: Pick<SqlOptions, 'url_env' | 'table' | 'query'>, url?: DatabaseUrl): SourceDescription {
  const source = sqlSource(options);
  const what = 'table' in source
    ? { param: `table=${options.table}`, label: options.table! }
    : { param: `query=sha256:${createHash('sha256').update(source.query).digest('hex').slice(0, 12)}`, label: 'query' };
  return url === undefined
    ? { uri: `${kind}://$${options.url_env}?${what.param}`, label: `${what.label} via $${options.url_env}`, positionKind: 'ordinal' }
    : { uri: `${kind}://${url.safe}?${what.param}`, label: `${what.label} on ${url.server}`, positionKind: 'ordinal' };
}
