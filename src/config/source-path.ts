/**
 * Where a pipeline may read its source file: `connector.path` is confined.
 *
 * A pipeline file names its source relative to its own folder. After every symbolic link is
 * resolved (realpath), the source must lie under one of the allowed folders:
 *
 * 1. the pipeline file's own folder (e.g. `pipelines/`);
 * 2. the `data` folder beside it (`pipelines/../data`: where `onecode sample` writes the sample
 *    exports that the bundled pipelines read);
 * 3. every folder listed in `ONECODE_DATA_ROOTS`, a path list like `PATH` (`:`-separated on POSIX;
 *    relative entries resolve against the working directory).
 *
 * So `../../etc/passwd`, `/etc/passwd` or a symbolic link inside the data folder that points out of
 * it are configuration errors. The source must also be a regular file: a directory, a device
 * (`/dev/zero`), a FIFO or a socket is refused before anything opens it (opening a FIFO would block
 * the run for ever; a device never ends).
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { ConfigError, ExtractError } from '../errors.ts';

/** The environment variable listing extra data roots, a path list like PATH. */
export const DATA_ROOTS_VARIABLE = 'ONECODE_DATA_ROOTS';

/** The pipeline field whose value this module checks. */
const FIELD = 'connector.path';

/**
 * Data roots from `ONECODE_DATA_ROOTS` (`path.delimiter`-separated; empty entries ignored;
 * relative entries resolved against `cwd`).
 */
export function dataRootsFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const raw = env[DATA_ROOTS_VARIABLE] ?? '';
  return raw.split(path.delimiter).filter((entry) => entry.trim() !== '').map((entry) => path.resolve(cwd, entry));
}

/**
 * The folders a pipeline file's source may lie under, before symbolic links are resolved: its own
 * folder, the `data` folder beside that folder, then the configured data roots.
 */
export function allowedFolders(pipelineFile: string, dataRoots: readonly string[] = dataRootsFromEnv()): string[] {
  const own = path.dirname(path.resolve(pipelineFile));
  return [own, path.resolve(own, '..', 'data'), ...dataRoots];
}

/** A pipeline whose connector reads a file (csv, ndjson, xlsx): it has `connector.path`. */
export type FilePipeline = Pick<Pipeline, 'file' | 'fieldLines'> & { name?: string; connector: { path: string } };

/** Whether the pipeline's connector reads a file named by `connector.path`. */
export function readsFile<P extends Pick<Pipeline, 'connector'>>(pipeline: P): pipeline is P & { connector: { path: string } } {
  return typeof (pipeline.connector as { path?: unknown }).path === 'string';
}

/** The source path as the pipeline names it, resolved against the pipeline file's folder (no link resolved). */
export function declaredSourcePath(pipeline: Pick<FilePipeline, 'file' | 'connector'>): string {
  return path.resolve(path.dirname(pipeline.file), pipeline.connector.path);
}

/** What {@link checkSourcePath} found. */
export interface CheckedSourcePath {
  /** As declared, resolved against the pipeline file's folder. */
  declared: string;
  /** With every symbolic link resolved (of the longest existing prefix when the file is missing). */
  real: string;
  /** Whether the file exists (it is then a regular file). */
  exists: boolean;
}

/**
 * Checks a pipeline's `connector.path` against the allowed folders and, when the file exists, that
 * it is a regular file. Never opens the file.
 * @param where `file:line` of the field, for messages (default: the pipeline file and the line
 *   recorded in `pipeline.fieldLines`).
 * @throws ConfigError `source_path_refused` (exit 2) when the real path lies outside every allowed
 *   folder, `source_not_file` when it is a directory, a device, a FIFO or a socket. The message names
 *   `file:line: connector.path` and the path, never anything read from the file.
 */
export async function checkSourcePath(
  pipeline: Pick<FilePipeline, 'file' | 'connector' | 'fieldLines'>,
  options: { dataRoots?: readonly string[]; where?: string } = {},
): Promise<CheckedSourcePath> {
  const where = options.where ?? `${pipeline.file}:${pipeline.fieldLines?.[FIELD] ?? 1}`;
  const declared = declaredSourcePath(pipeline);
  const { real, exists } = await realPathOf(declared);
  const folders = allowedFolders(pipeline.file, options.dataRoots ?? dataRootsFromEnv());
  const realFolders = await Promise.all(folders.map(async (f) => (await realPathOf(f)).real));
  if (!realFolders.some((folder) => isInside(real, folder))) {
    const link = real === declared ? '' : ` (through a symbolic link, to ${real})`;
    throw new ConfigError(
      'source_path_refused',
      `${where}: ${FIELD}: ${declared}${link} is outside the folders a pipeline may read (${unique(folders).join(', ')}); move the file there or add its folder to ${DATA_ROOTS_VARIABLE}`,
    );
  }
  if (exists) {
    const kind = fileKind(await stat(real));
    if (kind !== 'file') throw new ConfigError('source_not_file', `${where}: ${FIELD}: ${declared} is ${kind}, not a regular file`);
  }
  return { declared, real, exists };
}

/**
 * The file a run reads: {@link checkSourcePath}, and the file must exist.
 * @returns the real path (symbolic links resolved), which the connector then reads.
 * @throws what checkSourcePath throws, or ExtractError `source_missing` (exit 1) when there is no file.
 */
export async function sourceFileToRead(pipeline: FilePipeline & { name: string }): Promise<string> {
  const checked = await checkSourcePath(pipeline);
  if (!checked.exists) throw new ExtractError('source_missing', `${checked.declared}: file not found (pipeline ${pipeline.name}, ${FIELD})`);
  return checked.real;
}

/** realpath of `p`, or of its longest existing ancestor joined with the rest when `p` does not exist. */
async function realPathOf(p: string): Promise<{ real: string; exists: boolean }> {
  const rest: string[] = [];
  let current = path.resolve(p);
  for (;;) {
    try {
      const real = await realpath(current);
      return { real: path.join(real, ...rest), exists: rest.length === 0 };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOENT: not there yet; ENOTDIR: a component is a file; ELOOP: a link cycle. Walk up.
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP') throw error;
      const parent = path.dirname(current);
      if (parent === current) return { real: path.join(current, ...rest), exists: false };
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}

function isInside(child: string, folder: string): boolean {
  const relative = path.relative(folder, child);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

function fileKind(s: import('node:fs').Stats): string {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
