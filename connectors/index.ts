import type { ConnectorOptions } from '../schemas/pipeline.ts';
import { csvConnector } from './csv.ts';
import { ndjsonConnector } from './ndjson.ts';
import type { Connector } from './types.ts';

export type { Connector, ConnectorContext, Extracted, SourceRow, StageContext, UnreadableRow } from './types.ts';
export { csvConnector, ndjsonConnector };

/** Every connector by its `kind`, as named in a pipeline's `connector.kind`. */
export const CONNECTORS: { [K in ConnectorOptions['kind']]: Connector<Extract<ConnectorOptions, { kind: K }>> } = {
  csv: csvConnector,
  ndjson: ndjsonConnector,
};
