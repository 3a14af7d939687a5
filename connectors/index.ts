import type { ConnectorOptions, Pipeline } from '../schemas/pipeline.ts';
import { csvConnector } from './csv.ts';
import { httpConnector } from './http.ts';
import { mysqlConnector } from './mysql.ts';
import { ndjsonConnector } from './ndjson.ts';
import { postgresConnector } from './postgres.ts';
import { xlsxConnector } from './xlsx.ts';
import type { Connector, SourceDescription } from './types.ts';

export type { Connector, Extracted, OpenContext, SourceRead, SourceRow, StageTarget, UnreadableRow } from './types.ts';
export { csvConnector, httpConnector, mysqlConnector, ndjsonConnector, postgresConnector, xlsxConnector };

/** Every connector by its `kind`, as named in a pipeline's `connector.kind`. */
export const CONNECTORS: { [K in ConnectorOptions['kind']]: Connector<Extract<ConnectorOptions, { kind: K }>> } = {
  csv: csvConnector,
  ndjson: ndjsonConnector,
  http: httpConnector,
  xlsx: xlsxConnector,
  postgres: postgresConnector,
  mysql: mysqlConnector,
};

/** How a pipeline's source is described before it is opened (connector.describe): for progress lines and run rows. */
export function describeSource(pipeline: Pipeline): SourceDescription {
  const connector = CONNECTORS[pipeline.connector.kind] as Connector<Pipeline['connector']>;
  return connector.describe(pipeline, pipeline.connector);
}
