import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PipelineConfig, type Pipeline } from '../../schemas/pipeline.ts';
import { ConfigError } from '../errors.ts';
import { parseYamlMapping, quotable, readPipelineText } from './read-yaml.ts';
import { checkSourcePath, declaredSourcePath, readsFile } from './source-path.ts';

/**
 * Reads and validates one pipeline file: defensive YAML (read-yaml.ts), the schema
 * (schemas/pipeline.ts), and `connector.path` confined to the allowed folders and, when the file
 * exists, a regular file (source-path.ts).
 * @param file path of a YAML file (named as given in messages).
 * @param options.dataRoots extra folders sources may lie under (default: ONECODE_DATA_ROOTS).
 * @returns the pipeline, with `name` defaulting to the file's base name.
 * @throws ConfigError (exit 2) `config_unreadable`, or `config_invalid` with one line per problem,
 *   `file:line: field.path: message` (every schema problem at once).
 */
export async function loadPipeline(file: string, options: { dataRoots?: readonly string[] } = {}): Promise<Pipeline> {
  const absolute = path.resolve(file);
  const yaml = parseYamlMapping(await readPipelineText(file), file);
  const withName = { name: baseName(absolute), ...yaml.value };
  const parsed = PipelineConfig.safeParse(withName);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const fieldPath = issue.path.map(String);
      return `${file}:${yaml.lineOf(fieldPath) ?? '?'}: ${fieldPath.join('.') || '(top level)'}: ${issueMessage(issue)}`;
    });
    throw new ConfigError('config_invalid', lines.join('\n'));
  }
  const pipeline: Pipeline = { ...parsed.data, file: absolute, fieldLines: yaml.fieldLines };
  try {
    if (readsFile(pipeline)) await checkSourcePath(pipeline, { dataRoots: options.dataRoots, where: `${file}:${yaml.lineOf(['connector', 'path']) ?? '?'}` });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError('config_invalid', error.message, { cause: error });
    throw error;
  }
  return pipeline;
}

/** A pipeline file that could not be used, and why. */
export interface InvalidPipelineFile {
  /** The file as named in messages (the folder as given, joined with the file name). */
  file: string;
  /** The pipeline name the file declares or implies, when it could be read (for `run NAME`). */
  name: string;
  /** One line per problem: `file:line: field.path: message`. */
  problems: string[];
}

/** A folder of pipeline files: the usable pipelines, and every file that is not. */
export interface PipelineFolder {
  /** Valid pipelines with unique names, sorted by file name. */
  pipelines: Pipeline[];
  /** Files that failed to load, and files sharing a pipeline name with another (none of them is used). */
  invalid: InvalidPipelineFile[];
}

/**
 * Loads every `*.yaml`/`*.yml` file in a folder, sorted by file name. One bad file never hides the
 * others: each is loaded on its own.
 *
 * Two files declaring the same pipeline name are both refused (each names the other): a pipeline's
 * records, runs and source state are kept under its name, so running either would act on the
 * other's records (a snapshot would delete them).
 * @throws ConfigError `config_unreadable` only when the folder itself cannot be read.
 */
export async function readPipelineFolder(dir: string, options: { dataRoots?: readonly string[] } = {}): Promise<PipelineFolder> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    throw new ConfigError('config_unreadable', `${dir}: pipeline folder not found (use --pipelines DIR)`);
  }
  const files = entries.filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
  const loaded = await Promise.all(files.map(async (file) => {
    try {
      return { file, pipeline: await loadPipeline(file, options) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { file, problems: error.message.split('\n') };
    }
  }));
  const invalid: InvalidPipelineFile[] = [];
  const byName = new Map<string, Array<{ file: string; pipeline: Pipeline }>>();
  for (const entry of loaded) {
    if (entry.pipeline === undefined) {
      invalid.push({ file: entry.file, name: baseName(entry.file), problems: entry.problems! });
      continue;
    }
    const same = byName.get(entry.pipeline.name) ?? [];
    same.push({ file: entry.file, pipeline: entry.pipeline });
    byName.set(entry.pipeline.name, same);
  }
  const pipelines: Pipeline[] = [];
  for (const [name, same] of byName) {
    if (same.length === 1) {
      pipelines.push(same[0]!.pipeline);
      continue;
    }
    for (const { file, pipeline } of same) {
      const others = same.filter((o) => o.file !== file).map((o) => o.file).join(', ');
      invalid.push({ file, name, problems: [`${file}:${pipeline.fieldLines?.name ?? 1}: name: pipeline name '${name}' is also used by ${others}: neither file is used until one is renamed`] });
    }
  }
  pipelines.sort((a, b) => a.file.localeCompare(b.file));
  invalid.sort((a, b) => a.file.localeCompare(b.file));
  return { pipelines, invalid };
}

/**
 * Loads every pipeline of a folder, all or nothing (for callers that need every file valid).
 * @throws ConfigError `config_invalid` naming every problem of every invalid file, one per line.
 */
export async function loadPipelineFolder(dir: string, options: { dataRoots?: readonly string[] } = {}): Promise<Pipeline[]> {
  const folder = await readPipelineFolder(dir, options);
  if (folder.invalid.length > 0) throw new ConfigError('config_invalid', folder.invalid.flatMap((f) => f.problems).join('\n'));
  return folder.pipelines;
}

/**
 * Resolves a connector path relative to the folder of the pipeline file that names it (no symbolic
 * link resolved, nothing checked: see source-path.ts for the checked path a run reads).
 */
export function resolveSourcePath(pipeline: Pick<Pipeline, 'file'>, relative: string): string {
  return declaredSourcePath({ file: pipeline.file, connector: { path: relative } });
}

/**
 * zod's message, except that unknown keys are named only when they look like keys ({@link quotable}):
 * a data file mistaken for a pipeline file has ID numbers or names as keys, never echoed.
 */
function issueMessage(issue: { code: string; message: string; keys?: string[] }): string {
  if (issue.code !== 'unrecognized_keys' || issue.keys === undefined) return issue.message;
  const shown = issue.keys.filter(quotable);
  const hidden = issue.keys.length - shown.length;
  const named = shown.length === 0 ? '' : ` ${shown.map((k) => JSON.stringify(k)).join(', ')}`;
  const withheld = hidden === 0 ? '' : `${shown.length === 0 ? '' : ' and'} ${hidden} more not shown (not key-like: is this a data file?)`;
  return `Unrecognized key${issue.keys.length > 1 ? 's' : ''}:${named}${withheld}`;
}

function baseName(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, '');
}
