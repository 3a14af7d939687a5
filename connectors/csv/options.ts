import type { CsvConnectorOptions } from '../../schemas/pipeline.ts';

/** The CSV connector's options after defaults (schemas/pipeline.ts CsvConnectorOptions). */
export type CsvOptions = (typeof CsvConnectorOptions)['_output'];

/** Encodings the CSV connector reads. */
export type CsvEncoding = CsvOptions['encoding'];

/**
 * Bytes of a line longer than `max_line_bytes` kept as its raw text in quarantine: enough to
 * recognise the row, while the limit still bounds what one line can cost.
 */
export const RAW_PREVIEW_BYTES = 65_536;
