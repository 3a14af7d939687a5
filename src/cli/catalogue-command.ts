/**
 * `onecode catalogue [--format json|csv] [--out FILE] [--pipelines DIR]`: the catalogue entries of
 * the pipelines in the folder (src/catalogue/catalogue-table.ts), on stdout or into FILE. A pipeline
 * without an entry is named on stderr (a warning; `onecode check` says the same); an invalid
 * pipeline file is reported as `run` reports it and makes the exit code 2, the others exported.
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readPipelineFolder } from '../config/load-pipelines.ts';
import { catalogueCsv, catalogueOf } from '../catalogue/catalogue-table.ts';
import { ConfigError } from '../errors.ts';

/** Options of {@link catalogueCommand}, from the command line. */
export interface CatalogueCommandOptions {
  pipelines: string;
  /** `json` (default): `{ entries, missing }`, two-space indented; `csv`: the guide's columns, UTF-8 with a BOM. */
  format: 'json' | 'csv';
  /** Write here (replaced whole: a temporary file beside it, then renamed) instead of stdout. */
  out?: string;
}

/**
 * Exports the catalogue.
 * @throws ConfigError `config_unreadable` for a folder that cannot be read, `config_invalid` when
 *   no file of the folder is a valid pipeline, `output_unwritable` naming --out.
 */
export async function catalogueCommand(o: CatalogueCommandOptions): Promise<void> {
  const folder = await readPipelineFolder(o.pipelines);
  if (folder.pipelines.length === 0) {
    throw new ConfigError('config_invalid', folder.invalid.flatMap((f) => f.problems).join('\n') || `no pipeline files in ${o.pipelines}/`);
  }
  for (const line of folder.invalid.flatMap((f) => f.problems)) process.stderr.write(`onecode: ${line}\n`);
  const catalogue = catalogueOf(folder.pipelines);
  for (const name of catalogue.missing) process.stderr.write(`onecode: warning: pipeline ${name} has no catalogue entry (docs/catalogue.md)\n`);
  const text = o.format === 'csv' ? catalogueCsv(catalogue, { bom: o.out !== undefined }) : `${JSON.stringify(catalogue, null, 2)}\n`;
  if (o.out === undefined) process.stdout.write(text);
  else {
    const temporary = path.join(path.dirname(o.out), `.${path.basename(o.out)}.${process.pid}.tmp`);
    try {
      await writeFile(temporary, text, { flag: 'wx' });
      await rename(temporary, o.out);
    } catch (error) {
      throw new ConfigError('output_unwritable', `${o.out}: cannot write the catalogue there (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
    process.stdout.write(`${o.out}\t${catalogue.entries.length} entries\t${o.format}\n`);
  }
  if (folder.invalid.length > 0) process.exitCode = 2;
}
