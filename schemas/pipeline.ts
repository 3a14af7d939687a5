import { z } from 'zod';
import { CANONICAL_FIELDS, ENTITY_KINDS, ONE_CODE_FIELDS } from './canonical.ts';

/** A source file path: not empty, no NUL character (no file system accepts one). */
const SourcePath = z.string().min(1).regex(/^[^\0]*$/, 'a path cannot hold a NUL character');

/** Options of the `csv` connector (RFC 4180; every value arrives as a string). */
export const CsvConnectorOptions = z.strictObject({
  kind: z.literal('csv'),
  /**
   * File path, relative to the pipeline file's folder. Confined: after symbolic links are resolved
   * it must lie under the pipeline's folder, the `data` folder beside it, or ONECODE_DATA_ROOTS
   * (src/config/source-path.ts).
   */
  path: SourcePath,
  /** Character encoding of the file. A UTF-8 BOM is stripped. Default `utf-8`. */
  encoding: z.enum(['utf-8', 'gbk', 'gb18030']).default('utf-8'),
  /** Field delimiter, one character. Default `,`. */
  delimiter: z.string().length(1).default(','),
});

/** Options of the `ndjson` connector (one JSON object per line; numbers read losslessly). */
export const NdjsonConnectorOptions = z.strictObject({
  kind: z.literal('ndjson'),
  /** File path, relative to the pipeline file's folder; confined like the csv connector's. */
  path: SourcePath,
});

export const ConnectorOptions = z.discriminatedUnion('kind', [CsvConnectorOptions, NdjsonConnectorOptions]);
export type ConnectorOptions = z.infer<typeof ConnectorOptions>;

/** How a field is classified for protection. `secret` fields are never stored or pushed. */
export const FieldClass = z.enum(['public', 'internal', 'personal', 'secret']);

/**
 * A pipeline: one departmental system's export, how to read it, and how its columns map to the
 * one-code index. Loaded from pipelines/*.yaml.
 */
export const PipelineConfig = z
  .strictObject({
    /** Pipeline name: lower-case letters, digits, `-` or `_`. Defaults to the file name. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, - or _'),
    /** The departmental source system's name, e.g. `会计人员管理系统`. */
    system: z.string().min(1),
    description: z.string().optional(),
    /** What one row is: a person, a legal person, or a business record about one of them. */
    entity: z.enum(ENTITY_KINDS),
    connector: ConnectorOptions,
    /** Canonical field → source column name. */
    mapping: z.partialRecord(z.enum(CANONICAL_FIELDS), z.string().min(1)),
    /** Source columns whose values together identify a row in the source system. */
    source_key: z.array(z.string().min(1)).min(1),
    /**
     * The system is an authoritative registry (GB 32100-2015 registration authority): a USCC it
     * holds that fails its check character is kept as nonconforming and flagged, never corrected
     * or quarantined. Default false.
     */
    authoritative: z.boolean().default(false),
    /** Survivorship priority: a higher number wins when systems disagree. Default 50. */
    priority: z.number().int().min(0).max(1000).default(50),
    /** `snapshot`: each extract is the full set, rows absent are deleted. `incremental`: upserts only. */
    mode: z.enum(['snapshot', 'incremental']).default('snapshot'),
    /** A snapshot run fails if it would delete more than this share of the pipeline's records. Default 0.2. */
    max_delete_share: z.number().min(0).max(1).default(0.2),
    /**
     * How many successful runs of this pipeline keep their quarantined rows (view
     * `quarantine_history`; the view `quarantine` shows the latest run's). Older rows are deleted
     * by the run that makes them older. Default 10.
     */
    quarantine_keep_runs: z.number().int().min(1).max(100_000).default(10),
    /** Source column → protection class. `secret` columns are dropped at extraction. */
    classification: z.record(z.string(), FieldClass).default({}),
    /** Cron expression for `onecode serve`. */
    schedule: z.string().optional(),
    /** IANA time zone of the schedule. Default Asia/Shanghai. */
    timezone: z.string().default('Asia/Shanghai'),
  })
  .superRefine((p, ctx) => {
    const oneCodeFields = ONE_CODE_FIELDS[p.entity];
    if (!oneCodeFields.some((f) => p.mapping[f])) {
      ctx.addIssue({
        code: 'custom',
        path: ['mapping'],
        message: `an entity '${p.entity}' pipeline must map ${oneCodeFields.join(' or ')} (the one code)`,
      });
    }
    for (const [column, cls] of Object.entries(p.classification)) {
      if (cls !== 'secret') continue;
      const uses = [
        ...Object.entries(p.mapping).filter(([, source]) => source === column).map(([field]) => `mapping.${field}`),
        ...(p.source_key.includes(column) ? ['source_key'] : []),
      ];
      if (uses.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['classification', column], message: `'${column}' is classified secret, so it is never stored, but ${uses.join(' and ')} uses it` });
      }
    }
    if (p.entity === 'record' && p.mapping.id_number && p.mapping.uscc) {
      ctx.addIssue({ code: 'custom', path: ['mapping'], message: 'a record pipeline maps id_number or uscc as its subject, not both' });
    }
  });
export type PipelineConfig = z.infer<typeof PipelineConfig>;

/** A pipeline together with the file it came from. */
export interface Pipeline extends PipelineConfig {
  /** Absolute path of the YAML file. */
  file: string;
  /** Line of each key in the YAML file by dotted path (`connector.path`), for messages; absent when built in code. */
  fieldLines?: Readonly<Record<string, number>>;
}
