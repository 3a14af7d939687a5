/**
 * The one small interface every delivery target implements (a new target is one folder or file in
 * src/sinks/ behind it): the delivery loop (deliver.ts) reads the outbox after the sink's position,
 * protects and parks (plan-batch.ts), and hands each batch to the sink, which writes it and its
 * position in one atomic step on the target, and says which position the target holds.
 *
 * Kafka is a sink too (kafka-sink.ts) but keeps its own loop and proof (src/push/relay.ts): its
 * position is the outbox's marks, its confirmation the read-back of the highest `onecode-seq` per
 * partition.
 */
import type { SinkKind } from './sink-config.ts';

/**
 * The Kafka sink's one name: its position is the outbox's own marks (published, parked, held,
 * skipped: src/outbox/outbox-states.ts), which an index has once, so it has one Kafka feed.
 */
export const KAFKA_SINK_NAME = 'kafka';

/** One change as a sink delivers it: the outbox event after the sink's policy (plan-batch.ts). */
export interface SinkRow {
  /** outbox.seq */
  seq: bigint;
  /** The envelope's `id`. */
  eventId: string;
  /** `I` create, `U` update, `D` delete (the envelope's c/u/d). */
  operation: 'I' | 'U' | 'D';
  /** `person` | `legal_person` | `record`: which table or file the row goes to. */
  entity: string;
  /** The event's identity after the policy: the one code, or `<pipeline>/<source_key>` of a record. */
  recordKey: string;
  /** The envelope's `code` after the policy. */
  code: string;
  /** The catalogue's resource code (政务信息资源目录) stored with the outbox event; null when its pipeline had no entry. */
  resourceCode: string | null;
  /** The catalogue's provider code stored with the outbox event; else null. */
  providerCode: string | null;
  /** The state as JSON text (`after`; `before` for a delete), exactly as written to the target. */
  record: string;
  /** SM3 (GB/T 32905-2016) of the row, hex: see rowDigest in sink-rows.ts. */
  digest: string;
}

/** One batch for {@link Sink.write}: the rows of the outbox seqs after `afterSeq` up to `toSeq`. */
export interface SinkBatch {
  /** `<first seq>-<last seq>` of the outbox range it covers: the same range gives the same id. */
  batchId: string;
  /** The position before the batch: the target must hold exactly this (else someone else wrote). */
  afterSeq: bigint;
  /** The position after it (the last seq of the range, parked events included). */
  toSeq: bigint;
  /** Rows to write, in seq order (parked events are not among them). */
  rows: readonly SinkRow[];
  /**
   * Set for events parked for this sink and re-queued by an operator (src/sinks/sink-parked.ts):
   * their seqs are at or below `afterSeq`, the position does not move (`toSeq` = `afterSeq`), and
   * the same `batchId` is the same batch (a target that holds it already writes nothing again).
   */
  requeued?: boolean;
}

/** A delivery target. */
export interface Sink {
  readonly name: string;
  readonly kind: SinkKind;
  /**
   * Whether the target itself takes each event id once (the exchange tables' unique `event_id`).
   * When false (a drop folder writes whatever it is given), the delivery records the event ids it
   * sends in the index and never hands the sink one twice (sink-sent.ts), e.g. an event Kafka's
   * parking moved to a new seq (src/outbox/resequence.ts).
   */
  readonly takesEventIdOnce: boolean;
  /**
   * The position the target itself holds (the last seq it confirmed), or undefined when it holds
   * none it can vouch for (a new target). Prepares the target (tables, folder) on first use.
   */
  confirmedSeq(): Promise<bigint | undefined>;
  /**
   * Writes the batch and the position `toSeq` in one atomic step: either both are on the target
   * or neither is. Rows of an event already on the target (same event id) are not written twice.
   * @returns how many rows were written (rows already there are not counted).
   * @throws SinkError (retriable when trying again later may help).
   */
  write(batch: SinkBatch): Promise<{ written: number }>;
  /**
   * Whether the target holds the batch of re-queued events `batch` (by its id and position), for a
   * sink that does not take each event id once: asked after a delivery stopped between the target's
   * write and the index's record (sink-sent.ts, settleUnconfirmed).
   * @throws SinkError when the target cannot be read.
   */
  holdsBatch?(batch: Pick<SinkBatch, 'batchId' | 'afterSeq' | 'toSeq' | 'requeued'>): Promise<boolean>;
  close(): Promise<void>;
}

/** A sink's failure: `code` is stable, `retriable` says whether trying again later may help. */
export class SinkError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SinkError';
    this.code = code;
    this.retriable = options.retriable;
  }
}
