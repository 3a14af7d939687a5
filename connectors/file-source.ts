/**
 * What the file connectors (csv, ndjson, xlsx) share: which file a read takes, how it is described,
 * and the state that keeps a file from being loaded twice.
 *
 * `connector.path` names one file, or a glob in its last component (`exports/shebao_*.csv`,
 * picomatch syntax: `*`, `?`, `[0-9]`, `{a,b}`; folders cannot hold wildcards). With a glob,
 * `connector.files` picks:
 * - `newest` (default): the file whose name sorts last (a dated name `shebao_20261201.csv` sorts by
 *   its date; modification times are not trusted, since copying changes them);
 * - `every_new`: the oldest file (by name) not loaded by an earlier successful run; each run loads
 *   one file, and `onecode run` runs the pipeline again while new files remain, so every file is
 *   its own run, in name order.
 * A file of a glob already loaded (same name, size and modification time in the state) is not
 * loaded again: the read has nothing new, which is a run with no changes, not an upstream fault.
 * A single path is read on every run (a snapshot export rewritten in place); its state only
 * records what was read. `every_new` needs `mode: incremental` (schemas/pipeline.ts).
 * Every file taken is confined like a single path (src/config/source-path.ts).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import type { Pipeline } from '../schemas/pipeline.ts';
import { checkSourcePath, declaredSourcePath, sourceFileToRead, type FilePipeline } from '../src/config/source-path.ts';
import { ConfigError, ExtractError } from '../src/errors.ts';
import { nothingToRead } from './nothing-new.ts';
import type { ConnectorCapabilities, FileReadContext, OpenContext, PositionKind, SourceColumn, SourceDescription, SourceRead, SourceState } from './types.ts';

/** Options every file connector has. */
export interface FileOptions {
  path: string;
  files?: 'newest' | 'every_new';
}

/** Layout version of the file connectors' state. */
export const FILE_STATE_VERSION = 1;

/** A file a successful run loaded: enough to know it again without reading it. */
export interface LoadedFile {
  name: string;
  size: number;
  mtimeMs: number;
}

/** The file connectors' state: the files loaded so far (names only for a single path: the last one). */
interface FileState {
  loaded: LoadedFile[];
}

/** Whether `connector.path` holds a glob (in its last component). */
export function isGlob(declared: string): boolean {
  return picomatch.scan(path.basename(declared)).isGlob;
}

/** File connectors can snapshot; with a glob and `files: every_new` they read only what is new. */
export function fileCapabilities(options: FileOptions): ConnectorCapabilities {
  return { snapshot: true, cursor: false, newOnly: isGlob(options.path) && options.files === 'every_new' };
}

/** The source as declared: the absolute path (or glob), its base name, and lines. */
export function describeFile(pipeline: Pick<FilePipeline, 'file' | 'connector'>): SourceDescription {
  const uri = declaredSourcePath(pipeline);
  return { uri, label: path.basename(uri), positionKind: 'line' };
}

/** The file one read takes: its real path (confined), its description, and the state after it. */
export interface FileChoice {
  /** Real path to read, or undefined when nothing is new. */
  sourcePath?: string;
  source: SourceDescription;
  /** Files of the glob still waiting after this one (`every_new`). */
  remaining: number;
  /** The state to keep if this read's run commits. */
  nextState: SourceState;
}

/**
 * Picks the file to read (module doc).
 * @throws what checkSourcePath / sourceFileToRead throw (`source_path_refused`, `source_not_file`,
 *   `source_missing`), and ConfigError `source_path_refused` for a wildcard in a folder name;
 *   ExtractError `source_missing` when a glob matches no file at all.
 */
export async function chooseFile(ctx: OpenContext, options: FileOptions): Promise<FileChoice> {
  const pipeline: FilePipeline & { name: string } = { ...ctx.pipeline, connector: options };
  const previous = readState(ctx.state);
  if (!isGlob(options.path)) {
    const real = await sourceFileToRead(pipeline);
    const info = await stat(real);
    const source = describeFile(pipeline);
    return { sourcePath: real, source, remaining: 0, nextState: stateOf([{ name: path.basename(real), size: info.size, mtimeMs: info.mtimeMs }]) };
  }
  const declared = declaredSourcePath(pipeline);
  const folder = path.dirname(declared);
  if (picomatch.scan(folder).isGlob) {
    throw new ConfigError('source_path_refused', `${pipeline.file}:${pipeline.fieldLines?.['connector.path'] ?? 1}: connector.path: wildcards are allowed in the file name only, not in folders`);
  }
  const match = picomatch(path.basename(declared), { dot: false });
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => match(n)).sort();
  } catch {
    names = [];
  }
  const files: LoadedFile[] = [];
  for (const name of names) {
    const info = await stat(path.join(folder, name)).catch(() => undefined);
    if (info?.isFile()) files.push({ name, size: info.size, mtimeMs: info.mtimeMs });
  }
  if (files.length === 0) {
    throw new ExtractError('source_missing', `${declared}: no file matches (pipeline ${pipeline.name}, connector.path)`);
  }
  const seen = (f: LoadedFile) => previous.some((p) => p.name === f.name && p.size === f.size && p.mtimeMs === f.mtimeMs);
  const candidates = options.files === 'every_new' ? files.filter((f) => !seen(f)) : [files[files.length - 1]!].filter((f) => !seen(f));
  const base = describeFile(pipeline);
  if (candidates.length === 0) {
    return { source: base, remaining: 0, nextState: stateOf(previous) };
  }
  const chosen = candidates[0]!;
  const chosenPath = path.join(folder, chosen.name);
  // Confined like a single path: the chosen file, after symbolic links, must lie in an allowed folder.
  const checked = await checkSourcePath({ ...pipeline, connector: { path: chosenPath } });
  const source: SourceDescription = { uri: chosenPath, label: chosen.name, positionKind: base.positionKind };
  // every_new keeps every file loaded; newest needs only the last one.
  const kept = options.files === 'every_new' ? [...previous.filter((p) => p.name !== chosen.name), chosen] : [chosen];
  return { sourcePath: checked.real, source, remaining: candidates.length - 1, nextState: stateOf(kept) };
}

function stateOf(loaded: LoadedFile[]): SourceState {
  return { version: FILE_STATE_VERSION, value: { loaded } satisfies FileState as unknown as Record<string, unknown> };
}

function readState(state: SourceState | null): LoadedFile[] {
  if (state === null || state.version !== FILE_STATE_VERSION) return [];
  const loaded = (state.value as unknown as FileState).loaded;
  return Array.isArray(loaded) ? loaded.filter((f) => typeof f?.name === 'string') : [];
}

/** What a file connector reads from the file chosen for it (openChosenFile). */
export interface FileReadParts {
  extract: SourceRead['extract'];
  columns?: SourceColumn[];
  stage?: SourceRead['stage'];
  /** Added to the file's label: which part of the file is read (` [学时登记]`, the sheet of a workbook). */
  labelSuffix?: string;
  /** Columns seen in the rows, for a file that declares none up front (NDJSON); called after the read. */
  columnsSeen?: () => SourceColumn[];
}

/**
 * One read of a file connector: picks the file (chooseFile), answers "nothing new" when every file
 * of a glob is loaded, and otherwise reads the chosen file with `read`; the state is the files
 * loaded, kept if the run commits.
 */
export async function openChosenFile(ctx: OpenContext, options: FileOptions, positionKind: PositionKind, read: (file: FileReadContext) => Promise<FileReadParts>): Promise<SourceRead> {
  const choice = await chooseFile(ctx, options);
  const source: SourceDescription = { ...choice.source, positionKind };
  if (choice.sourcePath === undefined) return nothingToRead(source, choice.nextState);
  const parts = await read({ pipeline: ctx.pipeline, logger: ctx.logger, sourcePath: choice.sourcePath });
  return {
    source: parts.labelSuffix === undefined ? source : { ...source, label: `${source.label}${parts.labelSuffix}` },
    ...(parts.columns ? { columns: parts.columns } : {}),
    ...(parts.stage ? { stage: parts.stage } : {}),
    moreWaiting: choice.remaining,
    contentFile: choice.sourcePath,
    extract: parts.extract,
    end: async () => ({ state: choice.nextState, ...(parts.columnsSeen ? { columnsSeen: parts.columnsSeen() } : {}) }),
    close: async () => undefined,
  };
}
