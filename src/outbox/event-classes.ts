/**
 * The protection classes of the values in change events, kept beside the outbox (table
 * `event_classes`, outbox-ddl.ts): each run records its pipeline's classes
 * (src/protect/field-classes.ts) in the same transaction as its events, and the push reads them
 * back to apply a feed's policy, so that the index file is all the push needs: it never reads
 * pipeline files, and a feed is protected the same way wherever the push runs.
 *
 * The push applies a pipeline's latest recorded classes to every event of it, also to events
 * written before a reclassification: a class is a statement about a column, and a correction
 * (a column found to hold personal data) must reach events still waiting to be published.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { quoteLiteral } from '../index/sql-text.ts';
import {
  goldenFieldClasses,
  pipelineEventClasses,
  PipelineEventClasses,
  recordClasses,
  recordedFieldClass,
  type ClassedValue,
  type RecordClasses,
  type Subject,
} from '../protect/field-classes.ts';

/**
 * SQL that records `pipeline`'s classes, and its catalogue entry's resource and provider code
 * (NULL without an entry), as those of `runId`, replacing what earlier runs recorded; for the
 * run's transaction.
 * @param at SQL expression of the commit time (TIMESTAMPTZ).
 */
export function recordEventClassesSql(pipeline: Pipeline, runId: string, at: string): string {
  const P = quoteLiteral(pipeline.name);
  const classes = quoteLiteral(JSON.stringify(pipelineEventClasses(pipeline)));
  const entry = pipeline.catalogue;
  const codes = entry === undefined ? 'NULL, NULL' : `${quoteLiteral(entry.resource_code)}, ${quoteLiteral(entry.provider_code)}`;
  return `DELETE FROM event_classes WHERE pipeline = ${P};
    INSERT INTO event_classes (pipeline, entity, classes, run_id, recorded_at, resource_code, provider_code)
    VALUES (${P}, ${quoteLiteral(pipeline.entity)}, ${classes}, ${quoteLiteral(runId)}, ${at}, ${codes})`;
}

/** The classes of every value of every event, as the push looks them up. */
export interface EventClasses {
  /** Class and mask kind of each golden field of `entity`. */
  golden(entity: Subject): ReadonlyMap<string, ClassedValue>;
  /** Classes of the record events of `pipeline` (everything personal for a pipeline nothing was recorded of). */
  record(pipeline: string): RecordClasses;
  /**
   * Class and mask kind of canonical field `field` about `subject` in the source records of
   * `pipeline` (field-classes.ts recordedFieldClass); undefined when nothing was recorded of it.
   */
  field(pipeline: string, subject: Subject, field: string): ClassedValue | undefined;
  /** Pipelines with recorded classes. */
  readonly pipelines: readonly string[];
}

/** {@link EventClasses} from recorded pipeline classes. */
export function eventClassesOf(recorded: ReadonlyMap<string, PipelineEventClasses>): EventClasses {
  const all = [...recorded.values()];
  const golden = { person: goldenFieldClasses('person', all), legal_person: goldenFieldClasses('legal_person', all) };
  const records = new Map<string, RecordClasses>();
  return {
    golden: (entity) => golden[entity],
    record: (pipeline) => {
      let r = records.get(pipeline);
      if (r === undefined) {
        r = recordClasses(recorded.get(pipeline));
        records.set(pipeline, r);
      }
      return r;
    },
    field: (pipeline, subject, field) => recordedFieldClass(recorded.get(pipeline), subject, field),
    pipelines: [...recorded.keys()],
  };
}

/**
 * Reads the recorded classes of every pipeline.
 * @throws Error naming the pipeline when a row is not a classes document this version reads
 *   (written by a newer onecode): the push must not guess.
 */
export async function readEventClasses(connection: DuckDBConnection): Promise<EventClasses> {
  const rows = (await connection.runAndReadAll('SELECT pipeline, CAST(classes AS VARCHAR) AS classes FROM event_classes ORDER BY pipeline')).getRowObjectsJS();
  const recorded = new Map<string, PipelineEventClasses>();
  for (const row of rows) {
    const parsed = PipelineEventClasses.safeParse(JSON.parse(String(row.classes)));
    if (!parsed.success) {
      throw new Error(`event_classes of pipeline '${String(row.pipeline)}' is not a classes document this version of onecode reads (${parsed.error.issues[0]?.message ?? 'invalid'}); push with the onecode that ran it`);
    }
    recorded.set(String(row.pipeline), parsed.data);
  }
  return eventClassesOf(recorded);
}
