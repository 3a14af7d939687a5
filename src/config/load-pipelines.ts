import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { PipelineConfig, type Pipeline } from '../../schemas/pipeline.ts';
import { ConfigError } from '../errors.ts';

/**
 * Reads and validates one pipeline file.
 * @param file path of a YAML file.
 * @returns the pipeline, with `name` defaulting to the file's base name.
 * @throws ConfigError `config_invalid` naming the file, the line and the field path of the first
 *   problems (all of them, one per line), or `config_unreadable`.
 */
export async function loadPipeline(file: string): Promise<Pipeline> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError('config_unreadable', `${file}: cannot read pipeline file (${(error as Error).message})`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new ConfigError('config_invalid', `${file}:${line}: YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  const raw = doc.toJS() as unknown;
  const withName = raw && typeof raw === 'object' && !Array.isArray(raw)
    ? { name: path.basename(absolute).replace(/\.ya?ml$/, ''), ...(raw as object) }
    : raw;
  const parsed = PipelineConfig.safeParse(withName);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const fieldPath = issue.path.map(String);
      let line: number | string = '?';
      for (let n = fieldPath.length; n >= 0; n--) {
        const node = doc.getIn(fieldPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node?.range) {
          line = lineCounter.linePos(node.range[0]).line;
          break;
        }
      }
      return `${file}:${line}: ${fieldPath.join('.') || '(top level)'}: ${issue.message}`;
    });
    throw new ConfigError('config_invalid', lines.join('\n'));
  }
  return { ...parsed.data, file: absolute };
}

/**
 * Loads every `*.yaml`/`*.yml` file in a folder, sorted by file name.
 * @throws ConfigError if a file is invalid or two pipelines share a name.
 */
export async function loadPipelineFolder(dir: string): Promise<Pipeline[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    throw new ConfigError('config_unreadable', `${dir}: pipeline folder not found (use --pipelines DIR)`);
  }
  const files = entries.filter((f) => /\.ya?ml$/.test(f)).sort();
  const pipelines = await Promise.all(files.map((f) => loadPipeline(path.join(dir, f))));
  const seen = new Map<string, string>();
  for (const p of pipelines) {
    const other = seen.get(p.name);
    if (other) throw new ConfigError('config_invalid', `${p.file}: pipeline name '${p.name}' is also used by ${other}`);
    seen.set(p.name, p.file);
  }
  return pipelines;
}

/** Resolves a connector path relative to the folder of the pipeline file that names it. */
export function resolveSourcePath(pipeline: Pipeline, relative: string): string {
  return path.resolve(path.dirname(pipeline.file), relative);
}
