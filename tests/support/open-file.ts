import path from 'node:path';
import { CONNECTORS, type SourceRead } from '../../connectors/index.ts';
import type { Connector } from '../../connectors/types.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { createLogger } from '../../src/logger.ts';

/**
 * Opens one read of a file through its connector, as a run would (state none): the pipeline is
 * placed beside the file (its own folder is an allowed folder), `connector.path` is the file's name.
 */
export async function openFile(connector: Pipeline['connector'], sourcePath: string, pipeline: Partial<Pipeline> = {}): Promise<SourceRead> {
  const options = { ...connector, path: path.basename(sourcePath) } as Pipeline['connector'];
  const p = { name: 'test', mode: 'snapshot', ...pipeline, file: path.join(path.dirname(sourcePath), 'pipeline.yaml'), connector: options } as Pipeline;
  const c = CONNECTORS[options.kind] as Connector<Pipeline['connector']>;
  return c.open({ pipeline: p, logger: createLogger({ level: 'silent' }), state: null, env: process.env }, options);
}
