/**
 * `onecode deliver [--sink NAME…]`: delivers the outbox to the sinks declared in the sinks folder
 * (src/sinks/, docs/sinks.md), each from its own position and independently of the others, and
 * prints one JSON line per sink: `{"sink":…,"delivered":…,"parked":…,"held":…,"lastSeq":…}`, or
 * `{"sink":…,"failed":CODE,"retriable":…,"message":…}`.
 *
 * Named `deliver`, not `push`: `push` is Kafka's and keeps its flags (requeue, skip) and its line;
 * a sink is delivered to, and Kafka becomes one of the sinks in a later step.
 * Exit 0 when every sink is delivered to; 1 when one stopped (the others were still delivered to);
 * 2 for a bad sink file or an unknown `--sink` (the valid sinks are still delivered to).
 */
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { deliverAll } from '../sinks/deliver-all.ts';
import { readSinkFolder } from '../sinks/sink-config.ts';
import { openIndexForWriting } from './open-index-for-cli.ts';

/** Options of {@link deliverCommand}, from the command line. */
export interface DeliverCommandOptions {
  dbPath: string;
  /** The sinks folder (`--sinks`, default `sinks`). */
  sinksDir: string;
  /** `--sink NAME…`: only these; default every declared sink. */
  only: readonly string[];
  logger: Logger;
}

/**
 * @throws ConfigError `no_sinks` (exit 2) when the folder declares no valid sink or `--sink` names none of them.
 */
export async function deliverCommand(options: DeliverCommandOptions): Promise<void> {
  const folder = await readSinkFolder(options.sinksDir);
  for (const line of folder.problems) process.stderr.write(`onecode: ${line}\n`);
  const unknown = options.only.filter((n) => !folder.sinks.some((s) => s.name === n));
  for (const n of unknown) process.stderr.write(`onecode: --sink ${n}: no valid sink of that name in ${options.sinksDir}/ (declared: ${folder.sinks.map((s) => s.name).join(', ') || 'none'})\n`);
  const chosen = options.only.length === 0 ? folder.sinks : folder.sinks.filter((s) => options.only.includes(s.name));
  if (chosen.length === 0) {
    throw new ConfigError('no_sinks', `no sink to deliver to: ${options.sinksDir}/ declares no valid sink${options.only.length > 0 ? ' of the names given' : ''} (docs/sinks.md)`);
  }
  const index = await openIndexForWriting(options.dbPath);
  try {
    const outcomes = await deliverAll({ connection: index.connection, sinks: chosen, logger: options.logger });
    for (const o of outcomes) {
      process.stdout.write(`${JSON.stringify(o.ok
        ? { sink: o.sink, delivered: o.delivered, parked: o.parked, held: o.held, lastSeq: Number(o.lastSeq), ...(o.recovered ? { recoveredFrom: Number(o.recovered.from), recoveredTo: Number(o.recovered.to) } : {}) }
        : { sink: o.sink, failed: o.code, retriable: o.retriable, message: o.message })}\n`);
    }
    if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
    if (folder.problems.length > 0 || unknown.length > 0) process.exitCode = 2;
  } finally {
    index.close();
  }
}
