/**
 * Sink declarations: one YAML file per delivery target in a `sinks/` folder beside `pipelines/`
 * (docs/sinks.md). Each names the sink (the file name by default), its kind, its target and its
 * policy per class of value:
 *
 * ```yaml
 * kind: exchange-table              # tables on the front-end database (前置机交换表)
 * dialect: postgres                 # or mysql (MySQL 5.7+, MariaDB)
 * url_env: FRONT_DB_URL             # the variable holding postgres://user:password@host/db: never in the file
 * schema: exchange                  # optional: PostgreSQL schema, or MySQL database (default: the URL's)
 * table_prefix: onecode_            # optional: tables onecode_person, onecode_legal_person, onecode_record, onecode_position
 * policy: personal=pseudonymise     # what leaves per class (src/push/feed-policy.ts), required
 * ```
 * ```yaml
 * kind: file
 * folder: /srv/drop/onecode         # the drop folder; relative to the sink file's folder
 * format: ndjson                    # or csv
 * policy: personal=clear
 * ```
 * ```yaml
 * kind: kafka                       # the change feed (src/push/); one per index, named kafka
 * brokers_env: KAFKA_BROKERS        # the variable holding host:port[,host:port] (default KAFKA_BROKERS)
 * topic_prefix: onecode             # optional: topics onecode.person.v1, … (default ONECODE_TOPIC_PREFIX, else onecode)
 * policy: personal=pseudonymise
 * ```
 *
 * The file is read as defensively as a pipeline file (src/config/read-yaml.ts) and validated with
 * zod; a bad file is refused with `file:line: field: message`, one line per problem.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseYamlMapping, readPipelineText } from '../config/read-yaml.ts';
import { ConfigError } from '../errors.ts';
import { parseFeedPolicy, type FeedPolicy } from '../push/feed-policy.ts';
import { KAFKA_SINK_NAME } from './sink.ts';

/** The kinds of sink this version delivers to. */
export const SINK_KINDS = ['exchange-table', 'file', 'kafka'] as const;

export type SinkKind = (typeof SINK_KINDS)[number];

const sqlName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,47}$/, 'letters, digits and _, not starting with a digit, at most 48 characters');

/** A policy written as `class=policy[,…]`, or as a mapping `{ personal: pseudonymise }`. */
const PolicyText = z.union([
  z.string(),
  z.record(z.string(), z.string()).transform((m) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',')),
]);

const Common = {
  /** The sink's name (default: the file name without .yaml): its position and parked events are kept under it. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _').optional(),
  /** What leaves per class of value, e.g. `personal=pseudonymise,internal=clear` (src/push/feed-policy.ts). Required: a sink's policy is a decision. */
  policy: PolicyText,
  /** Events per batch (one target transaction, or one file). Default 1,000. */
  batch_size: z.number().int().min(1).max(100_000).default(1000),
};

/** An exchange-table sink: one table per entity on a PostgreSQL or MySQL front-end database (src/sinks/exchange-table/). */
export const ExchangeTableSinkConfig = z.strictObject({
  kind: z.literal('exchange-table'),
  dialect: z.enum(['postgres', 'mysql']),
  /** Name of the environment variable holding the connection URL (never the URL itself). */
  url_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable: letters, digits and _, not starting with a digit'),
  /** PostgreSQL schema or MySQL database of the tables; default the URL's (PostgreSQL: the search path, `public`). */
  schema: sqlName.optional(),
  /** Prefix of the table names. Default `onecode_`. */
  table_prefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/, 'letters, digits and _, at most 32 characters').default('onecode_'),
  ...Common,
});

/** A file sink: NDJSON or CSV batches with a manifest, written atomically into a drop folder (file-sink.ts). */
export const FileSinkConfig = z.strictObject({
  kind: z.literal('file'),
  /** The drop folder; a relative path is taken from the sink file's folder. It must exist. */
  folder: z.string().min(1),
  format: z.enum(['ndjson', 'csv']).default('ndjson'),
  /** Create the drop folder when it is missing (the sample's); default false: a missing folder is a mistake. */
  create_folder: z.boolean().default(false),
  ...Common,
});

/**
 * The Kafka change feed as a sink (src/sinks/kafka-sink.ts): brokers from an environment variable,
 * topics by prefix; TLS and SASL from the environment as for `onecode push` (src/cli/kafka-settings.ts).
 * Its position is the outbox's marks and its exactly-once proof the read-back of the broker
 * (src/push/relay.ts); `batch_size` is the relay's.
 */
export const KafkaSinkConfig = z.strictObject({
  kind: z.literal('kafka'),
  /** Name of the environment variable holding the brokers, `host:port[,host:port]`. Default KAFKA_BROKERS. */
  brokers_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable: letters, digits and _, not starting with a digit').default('KAFKA_BROKERS'),
  /** Topic prefix: topics `<prefix>.<entity>.v1`. Default ONECODE_TOPIC_PREFIX, else `onecode`. */
  topic_prefix: z.string().min(1).max(200).optional(),
  /** Partitions of the topics the relay creates. Default ONECODE_TOPIC_PARTITIONS, else 3. */
  partitions: z.number().int().min(1).max(10_000).optional(),
  ...Common,
  batch_size: z.number().int().min(1).max(100_000).default(5000),
});

export const SinkConfig = z.discriminatedUnion('kind', [ExchangeTableSinkConfig, FileSinkConfig, KafkaSinkConfig]);

/** A validated sink declaration. */
export type SinkDeclaration = (
  | Omit<z.output<typeof ExchangeTableSinkConfig>, 'policy' | 'name'>
  | Omit<z.output<typeof FileSinkConfig>, 'policy' | 'name'>
  | Omit<z.output<typeof KafkaSinkConfig>, 'policy' | 'name'>
) & {
  name: string;
  /** The parsed policy of each class. */
  policy: FeedPolicy;
  /** The declaring file, absolute. */
  file: string;
};

/** A declaration of a sink that keeps its position in `sink_position` (every kind but Kafka). */
export type PositionedSinkDeclaration = Exclude<SinkDeclaration, { kind: 'kafka' }>;

/**
 * Reads and validates one sink file.
 * @throws ConfigError `config_invalid` with one line per problem, `file:line: field: message`;
 *   `config_unreadable` when the file cannot be read.
 */
export async function loadSink(file: string): Promise<SinkDeclaration> {
  const yaml = parseYamlMapping(await readPipelineText(file), file);
  const parsed = SinkConfig.safeParse(yaml.value);
  const where = (field: (string | number)[]) => `${file}:${yaml.lineOf(field) ?? '?'}: ${field.map(String).join('.') || '(top level)'}`;
  if (!parsed.success) {
    const message = (i: z.core.$ZodIssue): string =>
      i.path.length === 1 && yaml.value[String(i.path[0])] === undefined ? `required${i.path[0] === 'policy' ? ': what leaves per class of value, e.g. policy: personal=pseudonymise' : ''}` : i.message;
    throw new ConfigError('config_invalid', parsed.error.issues.map((i) => `${where(i.path as (string | number)[])}: ${message(i)}`).join('\n'));
  }
  let policy: FeedPolicy;
  try {
    policy = parseFeedPolicy(parsed.data.policy, where(['policy']));
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError('config_invalid', error.message);
    throw error;
  }
  const absolute = path.resolve(file);
  const name = parsed.data.name ?? path.basename(absolute).replace(/\.ya?ml$/, '');
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
    throw new ConfigError('config_invalid', `${file}:1: name: the file name is no sink name (lower-case letters, digits, - and _); give name: explicitly`);
  }
  if (parsed.data.kind === 'kafka' && name !== KAFKA_SINK_NAME) {
    throw new ConfigError('config_invalid', `${parsed.data.name === undefined ? `${file}:1: name` : where(['name'])}: a kafka sink is named ${KAFKA_SINK_NAME} (name the file ${KAFKA_SINK_NAME}.yaml or give name: ${KAFKA_SINK_NAME}): its position is the outbox's own marks, one per index`);
  }
  if (parsed.data.kind !== 'kafka' && name === KAFKA_SINK_NAME) {
    throw new ConfigError('config_invalid', `${parsed.data.name === undefined ? `${file}:1: name` : where(['name'])}: the name ${KAFKA_SINK_NAME} is the Kafka feed's; give this ${parsed.data.kind} sink another name`);
  }
  const declaration = { ...parsed.data, name, policy, file: absolute };
  if (declaration.kind === 'file') declaration.folder = path.resolve(path.dirname(absolute), declaration.folder);
  return declaration;
}

/** The sinks of a folder: the valid ones, and the problems of the others (each file on its own). */
export interface SinkFolder {
  sinks: SinkDeclaration[];
  /** One line per problem, `file:line: field: message`. */
  problems: string[];
}

/**
 * Loads every `*.yaml` / `*.yml` of `dir`, sorted by name. A missing folder is no sinks (delivery
 * is optional). Two files with one sink name are both refused: a sink's position is kept by name.
 */
export async function readSinkFolder(dir: string): Promise<SinkFolder> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sinks: [], problems: [] };
    throw new ConfigError('config_unreadable', `${dir}: sink folder cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const files = entries.filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
  const sinks: SinkDeclaration[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      sinks.push(await loadSink(file));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.message.split('\n'));
    }
  }
  const byName = new Map<string, SinkDeclaration[]>();
  for (const s of sinks) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const unique = sinks.filter((s) => byName.get(s.name)!.length === 1);
  for (const [name, same] of byName) {
    if (same.length > 1) problems.push(`${same.map((s) => s.file).join(', ')}: sink name '${name}' is declared by ${same.length} files: none of them is used until one is renamed`);
  }
  return { sinks: unique, problems };
}
