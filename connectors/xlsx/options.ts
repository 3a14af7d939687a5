import { z } from 'zod';

/** Options of the `xlsx` connector (pipeline YAML `connector:`). */
export const XlsxConnectorOptions = z.strictObject({
  kind: z.literal('xlsx'),
  /** Workbook path, relative to the pipeline file's folder; confined like the csv connector's. A glob picks by `files`. */
  path: z.string().min(1).regex(/^[^\0]*$/, 'a path cannot hold a NUL character'),
  files: z.enum(['newest', 'every_new']).default('newest'),
  /** The sheet's tab name (exact), or its 1-based position in tab order. Default 1. */
  sheet: z.union([z.string().min(1), z.number().int().min(1)]).default(1),
  /** 1-based row number of the header; rows above it (a title, notes) are skipped. Default 1. */
  header_row: z.number().int().min(1).default(1),
});
export type XlsxConnectorOptions = z.output<typeof XlsxConnectorOptions>;
