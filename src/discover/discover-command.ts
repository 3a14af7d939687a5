/**
 * `onecode discover`: reads a sample of a source and proposes a pipeline for it.
 *
 * - `onecode discover PIPELINE`: the source of an existing pipeline of `--pipelines`, read through
 *   its connector; the proposal keeps the file's system, description, connector block and the
 *   settings discover does not propose (priority, schedule, ...), and says where it differs from
 *   the file's entity, mapping, source key, mode and classification.
 * - `onecode discover --connector KIND --option key=value ...`: a new source. Each option is
 *   parsed by the connector's own schema (a value is text, or a YAML scalar where the schema wants
 *   a number or a boolean; `a.b=v` sets a nested key). The pipeline file is taken to be
 *   `<--pipelines>/<name>.yaml`: a relative `path` option is read from the working directory and
 *   written relative to that file, and the source is confined as a run's is
 *   (src/config/source-path.ts).
 */
import path from 'node:path';
import { parse as parseYamlScalar } from 'yaml';
import { CONNECTORS } from '../../connectors/index.ts';
import type { Connector, SourceColumn } from '../../connectors/types.ts';
import type { EntityKind } from '../../schemas/canonical.ts';
import { PipelineConfig, type Pipeline } from '../../schemas/pipeline.ts';
import { choosePipelines } from '../cli/choose-pipelines.ts';
import { parseYamlMapping, quotable, readPipelineText, YAML_LIMITS } from '../config/read-yaml.ts';
import { ConfigError, ExtractError } from '../errors.ts';
import { classify } from '../identifiers/classify.ts';
import type { Logger } from '../logger.ts';
import { normalizePhone } from '../normalize/phones.ts';
import { todayInChina } from '../run/run-pipeline.ts';
import { compareWithPipeline } from './compare-pipeline.ts';
import { guessPipeline } from './guess-mapping.ts';
import { profileColumns } from './profile-columns.ts';
import { columnTable, proposePipeline, type ProposalInput } from './propose-pipeline.ts';
import { DEFAULT_SAMPLE_ROWS, readSample } from './read-sample.ts';

export { DEFAULT_SAMPLE_ROWS };

/** Options of {@link discover}. */
export interface DiscoverOptions {
  /** An existing pipeline's name (exclusive with `connector`). */
  pipeline?: string;
  /** A connector kind, for a new source. */
  connector?: string;
  /** `key=value` connector options (with `connector`). */
  options?: readonly string[];
  /** The departmental system's name (a new source; default: TODO in the proposal). */
  system?: string;
  /** The new pipeline's name (default: from the `path` or `table` option's base name). */
  name?: string;
  /** What a row is, when the guess should not decide. */
  entity?: EntityKind;
  /** Rows sampled. Default {@link DEFAULT_SAMPLE_ROWS}. */
  rows?: number;
  /** Folder of pipeline files. Default `pipelines`. */
  pipelines?: string;
  /** `YYYY-MM-DD` for birth-date checks of ID numbers. Default today in China. */
  runDate?: string;
  logger: Logger;
  /** Working directory a relative `path` option is read from. Default process.cwd(). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The proposal and lines for stderr. */
export interface Discovery {
  /** The pipeline YAML proposal. */
  yaml: string;
  /** Lines for stderr (the column table when it would make the proposal too long to load). */
  notes: string[];
}

/**
 * Discovers a source (module doc).
 * @throws ConfigError `usage` (bad arguments), `connector_unknown`, `connector_options_invalid`,
 *   `pipeline_unknown`, `config_invalid`, `source_path_refused`; ExtractError from the connector
 *   (`source_missing`, ...) and `header_looks_like_data`. No message carries a value of the source.
 */
export async function discover(o: DiscoverOptions): Promise<Discovery> {
  const rows = o.rows ?? DEFAULT_SAMPLE_ROWS;
  if (!Number.isInteger(rows) || rows < 1) throw new ConfigError('usage', '--rows must be a whole number of rows, at least 1');
  if ((o.pipeline === undefined) === (o.connector === undefined)) {
    throw new ConfigError('usage', 'name a pipeline (onecode discover NAME) or a connector (onecode discover --connector KIND --option key=value ...), not both');
  }
  if (o.pipeline !== undefined && (o.options?.length ?? 0) > 0) throw new ConfigError('usage', '--option goes with --connector; a pipeline brings its own connector options');
  const target = o.pipeline !== undefined ? await existingSource(o) : await newSource(o);
  const sample = await readSample({ connector: target.connector, options: target.pipeline.connector, pipeline: target.pipeline, logger: o.logger, rows, env: o.env });
  refuseDataAsHeader(sample.columns, sample.source.label);
  const capabilities = target.connector.capabilities(target.pipeline.connector);
  const profiles = profileColumns(sample.columns, sample.rows, o.runDate ?? todayInChina());
  const guess = guessPipeline(profiles, { entity: o.entity, capabilities });
  const input: ProposalInput = {
    guess,
    source: sample.source,
    sampled: { rows: sample.rows.length, unreadable: sample.unreadable },
    ...(target.system === undefined ? {} : { system: target.system }),
    ...(target.description === undefined ? {} : { description: target.description }),
    connector: target.written,
    ...(target.kept ? { kept: target.kept } : {}),
    saveAs: target.saveAs,
    ...(target.existing ? { comparison: compareWithPipeline(target.existing, guess, target.saveAs) } : {}),
  };
  const yaml = proposePipeline(input);
  if (Buffer.byteLength(yaml) <= YAML_LIMITS.bytes) return { yaml, notes: [] };
  return { yaml: proposePipeline({ ...input, columnTable: 'elsewhere' }), notes: columnTable(guess) };
}

/** What is discovered: the connector, a pipeline to open it with, and what the proposal writes. */
interface Target {
  connector: Connector<Pipeline['connector']>;
  pipeline: Pipeline;
  /** The connector block to write. */
  written: Record<string, unknown>;
  system?: string;
  description?: string;
  saveAs: string;
  existing?: Pipeline;
  /** Settings of an existing file that discover does not propose (priority, schedule, ...), kept as written. */
  kept?: Record<string, unknown>;
}

/** Keys of a pipeline file that a proposal writes itself; every other key of an existing file is kept. */
const PROPOSED_KEYS = new Set(['system', 'description', 'entity', 'connector', 'mapping', 'source_key', 'mode', 'cursor', 'deleted_when', 'classification']);

async function existingSource(o: DiscoverOptions): Promise<Target> {
  const cwd = o.cwd ?? process.cwd();
  const dir = o.pipelines ?? 'pipelines';
  const { chosen, invalid } = await choosePipelines(path.resolve(cwd, dir), { all: false, names: [o.pipeline!] });
  if (invalid.length > 0) throw new ConfigError('config_invalid', invalid.flatMap((f) => f.problems).join('\n'));
  const pipeline = chosen[0]!;
  const raw = parseYamlMapping(await readPipelineText(pipeline.file), pipeline.file).value;
  const kept = Object.fromEntries(Object.entries(raw).filter(([key]) => !PROPOSED_KEYS.has(key)));
  return {
    ...(Object.keys(kept).length > 0 ? { kept } : {}),
    connector: CONNECTORS[pipeline.connector.kind] as Connector<Pipeline['connector']>,
    pipeline,
    written: raw.connector as Record<string, unknown>,
    system: o.system ?? pipeline.system,
    description: pipeline.description,
    saveAs: path.relative(cwd, pipeline.file),
    existing: pipeline,
  };
}

async function newSource(o: DiscoverOptions): Promise<Target> {
  const kind = o.connector!;
  if (!Object.hasOwn(CONNECTORS, kind)) {
    throw new ConfigError('connector_unknown', `${quotable(kind) ? `'${kind}' is no` : 'no such'} connector kind (have: ${Object.keys(CONNECTORS).join(', ')})`);
  }
  const connector = CONNECTORS[kind as keyof typeof CONNECTORS] as Connector<Pipeline['connector']>;
  const cwd = o.cwd ?? process.cwd();
  const dir = path.resolve(cwd, o.pipelines ?? 'pipelines');
  const given = optionPairs(o.options ?? []);
  if (typeof given.path === 'string' && !path.isAbsolute(given.path)) {
    given.path = path.relative(dir, path.resolve(cwd, given.path)).split(path.sep).join('/');
  }
  const options = parseConnectorOptions(connector, kind, given);
  const name = o.name ?? nameFrom(given);
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) throw new ConfigError('usage', `--name: use lower-case letters, digits, - or _ (a pipeline's name is its file's name)`);
  const file = path.join(dir, `${name}.yaml`);
  // A pipeline to open the connector with: the mapping is not known yet, so a placeholder one.
  const config = PipelineConfig.parse({ name, system: o.system ?? name, entity: 'record', connector: options, mapping: { id_number: '-' }, source_key: ['-'] });
  return {
    connector,
    pipeline: { ...config, file },
    written: { kind, ...given },
    ...(o.system === undefined ? {} : { system: o.system }),
    saveAs: path.relative(cwd, file),
  };
}

/** `key=value` pairs into an object; `a.b=v` sets a nested key. */
function optionPairs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)=(.*)$/s.exec(pair);
    if (!m) throw new ConfigError('usage', '--option takes key=value (a key of letters, digits and _, dotted for a nested key)');
    const keys = m[1]!.split('.');
    if (keys[0] === 'kind') throw new ConfigError('usage', '--option kind=...: the kind is --connector');
    let into = out;
    for (const key of keys.slice(0, -1)) {
      if (typeof into[key] !== 'object' || into[key] === null) Object.defineProperty(into, key, { value: {}, enumerable: true, writable: true, configurable: true });
      into = into[key] as Record<string, unknown>;
    }
    Object.defineProperty(into, keys[keys.length - 1]!, { value: m[2]!, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Parses the options with the connector's schema. Every value arrives as text; where the schema
 * wants another type at a key given (`max_line_bytes=1000`), the text is read as a YAML scalar
 * and the options parsed again. The values given are updated in place, so the proposal writes
 * them typed.
 * @throws ConfigError `connector_options_invalid`, one line per problem, naming the option, never its value.
 */
function parseConnectorOptions(connector: Connector<Pipeline['connector']>, kind: string, given: Record<string, unknown>): Pipeline['connector'] {
  let parsed = connector.options.safeParse({ kind, ...given });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code !== 'invalid_type' || issue.path.length === 0) continue;
      const keys = issue.path.map(String);
      let holder: Record<string, unknown> | undefined = given;
      for (const key of keys.slice(0, -1)) holder = holder?.[key] as Record<string, unknown> | undefined;
      const last = keys[keys.length - 1]!;
      const text = holder?.[last];
      if (typeof text === 'string') {
        try {
          holder![last] = parseYamlScalar(text);
        } catch {
          // stays text: the second parse names the problem
        }
      }
    }
    parsed = connector.options.safeParse({ kind, ...given });
  }
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `--option ${issue.path.map(String).join('.') || '(connector)'}: ${issue.message}`);
  throw new ConfigError('connector_options_invalid', `connector ${kind}: ${lines.join('\n')}`);
}

/** A pipeline name from the source's file or table name: `accounting-staff.gbk.csv` → `accounting-staff`. */
function nameFrom(given: Record<string, unknown>): string {
  const from = typeof given.path === 'string' ? path.basename(given.path) : typeof given.table === 'string' ? given.table.split('.').pop()! : '';
  const name = from.split('.')[0]!.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+|-+$/g, '');
  return name === '' ? 'new-source' : name;
}

/**
 * A header whose names are ID numbers, USCCs or phone numbers is a first data row, not a header:
 * the proposal would print them. Refused, naming the columns by position only.
 */
function refuseDataAsHeader(columns: readonly SourceColumn[], label: string): void {
  const runDate = todayInChina();
  const positions = columns
    .map((c, i) => ({ i, name: c.name.trim() }))
    .filter(({ name }) => /^1[3-9]\d{9}$/.test(normalizePhone(name) ?? '') || (name.length >= 15 && classify(name, { runDate }).status !== 'invalid'))
    .map(({ i }) => i + 1);
  if (positions.length > 0) {
    throw new ExtractError('header_looks_like_data', `${label}: the name(s) of column(s) ${positions.join(', ')} look like data (an ID number, a code or a phone number): does the source have a header row? Nothing is proposed`);
  }
}

