import { z } from 'zod';
import { CANONICAL_FIELDS, ENTITY_KINDS, LICENCE_FIELDS, ONE_CODE_FIELDS, REQUIRED_LICENCE_FIELDS } from './canonical.ts';
import { HttpConnectorOptions } from '../connectors/http/options.ts';
import { XlsxConnectorOptions } from '../connectors/xlsx/options.ts';
import { MysqlConnectorOptions, PostgresConnectorOptions } from '../connectors/sql/options.ts';
import { CatalogueEntry } from './catalogue-entry.ts';

/** A source file path: not empty, no NUL character (no file system accepts one). */
const SourcePath = z.string().min(1).regex(/^[^\0]*$/, 'a path cannot hold a NUL character');

/**
 * With a glob in `path` (`exports/shebao_*.csv`): `newest` reads the file whose name sorts last,
 * `every_new` every file not loaded yet, one run per file in name order (connectors/file-source.ts).
 * Default `newest`. A file already loaded is never loaded again.
 */
const FilesChoice = z.enum(['newest', 'every_new']).default('newest');

/** Options of the `csv` connector (RFC 4180; every value arrives as a string). */
export const CsvConnectorOptions = z.strictObject({
  kind: z.literal('csv'),
  /**
   * File path, relative to the pipeline file's folder. Confined: after symbolic links are resolved
   * it must lie under the pipeline's folder, the `data` folder beside it, or ONECODE_DATA_ROOTS
   * (src/config/source-path.ts).
   */
  path: SourcePath,
  files: FilesChoice,
  /** Character encoding of the file. A UTF-8 BOM is stripped. Default `utf-8`. */
  encoding: z.enum(['utf-8', 'gbk', 'gb18030']).default('utf-8'),
  /** Field delimiter: one ASCII character other than `"`, CR and LF. Default `,`. */
  delimiter: z
    .string()
    .regex(/^[\x01-\x7f]$/, 'one ASCII character')
    .refine((d) => d !== '"' && d !== '\r' && d !== '\n', 'the quote character and line ends cannot delimit fields')
    .default(','),
  /**
   * Longest line (record) read, in bytes of the file without its line end. A longer one is
   * quarantined as `csv_line_too_long` (its raw text keeps its first 65,536 bytes). Default
   * 16 MiB (16,777,216); at most 256 MiB.
   */
  max_line_bytes: z.number().int().min(1).max(256 * 1024 * 1024).default(16 * 1024 * 1024),
});

/** Options of the `ndjson` connector (one JSON object per line; numbers read losslessly). */
export const NdjsonConnectorOptions = z.strictObject({
  kind: z.literal('ndjson'),
  /** File path, relative to the pipeline file's folder; confined like the csv connector's. */
  path: SourcePath,
  files: FilesChoice,
});

export const ConnectorOptions = z.discriminatedUnion('kind', [CsvConnectorOptions, NdjsonConnectorOptions, XlsxConnectorOptions, HttpConnectorOptions, PostgresConnectorOptions, MysqlConnectorOptions]);
export type ConnectorOptions = z.infer<typeof ConnectorOptions>;

/** How a field is classified for protection. `secret` fields are never stored or pushed. */
export const FieldClass = z.enum(['public', 'internal', 'personal', 'secret']);
export type FieldClass = z.infer<typeof FieldClass>;

/**
 * Source column → protection class. Not `z.record`: it rebuilds the object by assignment, which
 * silently drops a column named `__proto__` (a legal column name: a secret column so named would
 * then be stored). Every key is kept as an own property, each value checked with its path.
 */
export const ColumnClassification = z.unknown().transform((value, ctx): Record<string, FieldClass> => {
  const classes: Record<string, FieldClass> = {};
  if (value === undefined || value === null) return classes;
  if (typeof value !== 'object' || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'expected a mapping of source column → public, internal, personal or secret' });
    return z.NEVER;
  }
  for (const [column, cls] of Object.entries(value)) {
    const parsed = FieldClass.safeParse(cls);
    if (parsed.success) Object.defineProperty(classes, column, { value: parsed.data, enumerable: true, writable: true, configurable: true });
    else ctx.addIssue({ code: 'custom', path: [column], message: parsed.error.issues[0]?.message ?? 'not a class' });
  }
  return classes;
});

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
    /**
     * `snapshot`: each read is the full set; rows absent are deleted (bounded by max_delete_share)
     * and a read with nothing loadable is an upstream fault. `incremental`: each read holds changed
     * rows, upserted; an empty read is a run with no changes. `cursor`: like incremental, reading
     * only rows whose `cursor.column` is at or after the last watermark minus `cursor.lag_seconds`
     * (connectors that declare the cursor capability). Default `snapshot`.
     */
    mode: z.enum(['snapshot', 'incremental', 'cursor']).default('snapshot'),
    /** The cursor of `mode: cursor`: a column that grows when a row changes (updated_at), and a look-back window. */
    cursor: z.strictObject({
      column: z.string().min(1),
      /** Rows this many seconds before the watermark are read again (late commits, shared boundary values). Default 300. */
      lag_seconds: z.number().int().min(0).max(366 * 86_400).default(300),
    }).optional(),
    /**
     * An incremental or cursor source marks deleted rows (删除标志): a row whose `column` holds one of
     * `values` (compared as text, trimmed) deletes the record of its source key, with a `d` event.
     */
    deleted_when: z.strictObject({
      column: z.string().min(1),
      values: z.array(z.string()).min(1),
    }).optional(),
    /**
     * What a run does when the source's columns differ from the last successful run's (view
     * `schema_changes`): `fail` before anything is loaded, `warn` (load, record the change), or
     * `evolve` (load, record, no warning). Default: fail when a mapped, key, cursor or delete-flag
     * column is gone, warn otherwise.
     */
    on_schema_change: z.enum(['fail', 'warn', 'evolve']).optional(),
    /** A snapshot run fails if it would delete more than this share of the pipeline's records. Default 0.2. */
    max_delete_share: z.number().min(0).max(1).default(0.2),
    /**
     * How many successful runs of this pipeline keep their quarantined rows (view
     * `quarantine_history`; the view `quarantine` shows the latest run's). Older rows are deleted
     * by the run that makes them older. Default 10.
     */
    quarantine_keep_runs: z.number().int().min(1).max(100_000).default(10),
    /** Source column → protection class. `secret` columns are dropped at extraction. */
    classification: ColumnClassification.optional().transform((c) => c ?? {}),
    /** Cron expression for `onecode serve`. */
    schedule: z.string().optional(),
    /** IANA time zone of the schedule. Default Asia/Shanghai. */
    timezone: z.string().default('Asia/Shanghai'),
    /**
     * The pipeline's entry in the resource catalogue (schemas/catalogue-entry.ts, docs/catalogue.md).
     * Optional, so that pipelines written before it keep running: `onecode check` warns when it is
     * missing. Its resource and provider codes go with every change the pipeline's runs write.
     */
    catalogue: CatalogueEntry.optional(),
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
        ...(p.cursor?.column === column ? ['cursor.column'] : []),
        ...(p.deleted_when?.column === column ? ['deleted_when.column'] : []),
      ];
      if (uses.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['classification', column], message: `'${column}' is classified secret, so it is never stored, but ${uses.join(' and ')} uses it` });
      }
    }
    if (p.mode === 'cursor' && p.cursor === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cursor'], message: "mode 'cursor' needs cursor: { column: <column>, lag_seconds: <n> }" });
    }
    if (p.mode !== 'cursor' && p.cursor !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['cursor'], message: "cursor is used only with mode: cursor" });
    }
    if (p.mode === 'snapshot' && (p.connector as { files?: string }).files === 'every_new') {
      ctx.addIssue({ code: 'custom', path: ['connector', 'files'], message: 'every_new loads each new file as changes: declare mode: incremental (a folder of full exports wants files: newest)' });
    }
    if (p.mode === 'snapshot' && p.deleted_when !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['deleted_when'], message: 'a snapshot deletes what is absent; deleted_when is for incremental and cursor pipelines' });
    }
    if ((p.entity === 'record' || p.entity === 'licence') && p.mapping.id_number && p.mapping.uscc) {
      ctx.addIssue({ code: 'custom', path: ['mapping'], message: `a ${p.entity} pipeline maps id_number or uscc as its subject, not both${p.entity === 'licence' ? ' (a system issuing licences to persons and to organisations gives one export, and one pipeline, per holder kind)' : ''}` });
    }
    if (p.entity === 'licence') {
      const missing = REQUIRED_LICENCE_FIELDS.filter((f) => !p.mapping[f]);
      if (missing.length > 0) ctx.addIssue({ code: 'custom', path: ['mapping'], message: `a licence pipeline must map ${missing.join(' and ')}` });
    } else {
      const licenceOnly = LICENCE_FIELDS.filter((f) => p.mapping[f]);
      if (licenceOnly.length > 0) ctx.addIssue({ code: 'custom', path: ['mapping'], message: `${licenceOnly.join(', ')} ${licenceOnly.length === 1 ? 'is a field' : 'are fields'} of licences: declare entity: licence` });
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
