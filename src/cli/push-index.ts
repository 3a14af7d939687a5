/**
 * One push of an index's outbox, as `onecode push` and `onecode run` do it: connect, publish every
 * pending event, disconnect, and report what is left.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { OnecodeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { pendingSql } from '../outbox/outbox-states.ts';
import { PushError } from '../push/errors.ts';
import { connectKafka } from '../sinks/kafka-sink.ts';
import { pushOutbox, type PushOutboxResult, type PushProgress } from '../push/relay.ts';
import type { KafkaSettings } from './kafka-settings.ts';

/** What one push did, and how many events are still pending afterwards. */
export interface PushReport extends PushOutboxResult {
  /** Events still pending after the push (0 after a complete push; parked, held and skipped events are not pending). */
  pending: number;
}

/** A push that stopped: exit code 1; `retriable` says whether running it again is the fix. */
export class PushFailedError extends OnecodeError {
  readonly pushCode: string;
  readonly retriable: boolean;
  /** What was settled before the failure (stays settled). */
  readonly report: PushReport;

  constructor(error: PushError, report: PushReport) {
    const what = `${error.code}, ${error.retriable ? 'retriable: run `onecode push` again' : 'not retriable'}`;
    const done = `${report.published} published and ${report.parked} parked before it stopped, ${report.pending} pending`;
    super('push_failed', `push failed (${what}): ${oneLine(error.message)} [${done}]`, { exitCode: 1, cause: error });
    this.name = 'PushFailedError';
    this.pushCode = error.code;
    this.retriable = error.retriable;
    this.report = report;
  }
}

/** Number of pending outbox events (src/outbox/outbox-states.ts: neither published, parked, held nor skipped). */
export async function countPending(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM outbox WHERE ${pendingSql()}`);
  return Number(reader.getRows()[0]![0]);
}

/**
 * Publishes every pending event of the index on `connection` to the brokers in `kafka`.
 * @throws PushFailedError (exit code 1) when the push stops; what was acknowledged before stays
 *   marked published, nothing else is. ConfigError (exit 2) for a feed policy without its key.
 */
export async function pushIndex(options: { connection: DuckDBConnection; kafka: KafkaSettings; logger: Logger }): Promise<PushReport> {
  const { connection, kafka, logger } = options;
  let progress: Omit<PushProgress, 'lastSeq'> = { published: 0, skippedAlreadyOnBroker: 0, parked: 0, held: 0 };
  const failed = async (error: unknown): Promise<never> => {
    if (!(error instanceof PushError)) throw error;
    const pending = await countPending(connection).catch(() => -1);
    throw new PushFailedError(error, { ...progress, pending });
  };
  const publisher = await connectKafka(kafka, logger).catch(failed);
  try {
    const result = await pushOutbox({
      connection,
      publisher,
      logger,
      onProgress: (p) => {
        progress = { published: p.published, skippedAlreadyOnBroker: p.skippedAlreadyOnBroker, parked: p.parked, held: p.held };
      },
    }).catch(failed);
    return { ...result, pending: await countPending(connection) };
  } finally {
    await publisher.close();
  }
}

/** The line `onecode run` prints after pushing. */
export function formatPushLine(report: PushReport, kafka: KafkaSettings): string {
  const skipped = report.skippedAlreadyOnBroker > 0 ? `, ${report.skippedAlreadyOnBroker} already on the broker` : '';
  const parked = report.parked > 0 ? `, ${report.parked} parked (see onecode status)` : '';
  const held = report.held > 0 ? `, ${report.held} held behind parked events of the same key` : '';
  return `pushed ${report.published} change event(s) to ${kafka.brokers.join(',')} (${Object.values(kafka.topics).join(', ')})${skipped}${parked}${held}; ${report.pending} pending\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
