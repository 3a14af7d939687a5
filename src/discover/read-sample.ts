/**
 * Reads a sample of a source through its connector (connectors/types.ts): the columns it declares
 * (or, where only rows tell, every key of the sampled rows in order of first sight) and the
 * first rows. Nothing is written: no run, no state.
 */
import type { Connector, SourceColumn, SourceDescription } from '../../connectors/types.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import type { Logger } from '../logger.ts';

/** The default number of rows sampled. */
export const DEFAULT_SAMPLE_ROWS = 200;

/** What a sample holds. Its rows are values of the source: they stay in memory, never printed. */
export interface SourceSample {
  source: SourceDescription;
  columns: SourceColumn[];
  rows: Array<Record<string, string | null>>;
  /** Records the connector could not read as rows among those read. */
  unreadable: number;
  /** The read had nothing new to read (a glob's files all loaded): nothing was sampled. */
  nothingNew: boolean;
}

/** Options of {@link readSample}. */
export interface ReadSampleOptions<Options> {
  connector: Connector<Options>;
  /** The connector's options, parsed by its schema. */
  options: Options;
  /**
   * The pipeline the read belongs to (a file path resolves against `pipeline.file`'s folder and is
   * confined as a run's is). Read as a first run: no state, no cursor, whatever the mode.
   */
  pipeline: Pipeline;
  logger: Logger;
  /** Rows to read at most (at least 1). */
  rows: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens one read, takes its first `rows` records (rows kept, unreadable records counted), and
 * closes the read whatever happens.
 * @throws what the connector's `open` and `extract` throw (ConfigError / ExtractError naming the
 *   source, never a value).
 */
export async function readSample<Options>(o: ReadSampleOptions<Options>): Promise<SourceSample> {
  const pipeline: Pipeline = { ...o.pipeline, mode: 'snapshot', cursor: undefined, deleted_when: undefined };
  const read = await o.connector.open({ pipeline, logger: o.logger, state: null, env: o.env ?? process.env }, o.options);
  try {
    const rows: Array<Record<string, string | null>> = [];
    let unreadable = 0;
    if (!read.nothingNew) {
      for await (const item of read.extract()) {
        if (item.kind === 'unreadable') unreadable += 1;
        else rows.push(item.fields);
        if (rows.length + unreadable >= o.rows) break;
      }
    }
    return { source: read.source, columns: read.columns ?? keysInOrder(rows), rows, unreadable, nothingNew: read.nothingNew === true };
  } finally {
    await read.close();
  }
}

/** Every key of the rows, in order of first sight (NDJSON, APIs: no columns declared up front). */
function keysInOrder(rows: ReadonlyArray<Record<string, string | null>>): SourceColumn[] {
  const names = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) names.add(key);
  return [...names].map((name) => ({ name }));
}
