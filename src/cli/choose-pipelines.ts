/**
 * Which pipelines `onecode run` runs, when some files of the folder are invalid: one bad file never
 * stops the others (src/config/load-pipelines.ts reads each on its own).
 *
 * - `run --all` runs every valid pipeline and reports every invalid file;
 * - `run NAME…` runs the named pipelines that are valid, whatever their neighbours hold, and reports
 *   a named one whose file is invalid (its base name is NAME, or it shares NAME with another file).
 */
import type { Pipeline } from '../../schemas/pipeline.ts';
import { readPipelineFolder, type InvalidPipelineFile } from '../config/load-pipelines.ts';
import { ConfigError } from '../errors.ts';

/** The pipelines to run and the invalid files the request concerns. */
export interface PipelineChoice {
  chosen: Pipeline[];
  /** Every invalid file for `--all`; for names, the invalid files carrying one of them. */
  invalid: InvalidPipelineFile[];
}

/**
 * @throws ConfigError `pipeline_unknown` (exit 2) when a name matches no file, valid or not (nothing
 *   runs then), naming the valid pipelines and counting the invalid files;
 *   `config_unreadable` when the folder cannot be read.
 */
export async function choosePipelines(dir: string, request: { all: boolean; names: readonly string[] }): Promise<PipelineChoice> {
  const folder = await readPipelineFolder(dir);
  if (request.all) return { chosen: folder.pipelines, invalid: folder.invalid };
  const unknown = request.names.filter((n) => !folder.pipelines.some((p) => p.name === n) && !folder.invalid.some((f) => f.name === n));
  if (unknown.length > 0) {
    const have = folder.pipelines.map((p) => p.name).join(', ') || 'none';
    const invalidNote = folder.invalid.length > 0 ? `; ${folder.invalid.length} invalid file(s): ${folder.invalid.map((f) => f.file).join(', ')}` : '';
    throw new ConfigError('pipeline_unknown', `no pipeline named ${unknown.join(', ')} in ${dir}/ (have: ${have}${invalidNote})`);
  }
  return {
    chosen: folder.pipelines.filter((p) => request.names.includes(p.name)),
    invalid: folder.invalid.filter((f) => request.names.includes(f.name)),
  };
}
