/**
 * `onecode deliver [--sink NAME…]`: delivers the outbox to the sinks declared in the sinks folder
 * (src/sinks/, docs/sinks.md), each from its own position and independently of the others, and
 * prints one JSON line per sink: `{"sink":…,"delivered":…,"parked":…,"held":…,"lastSeq":…}`
 * (Kafka's adds `alreadyOnTarget`, the events the read-back found on the broker), or
 * `{"sink":…,"failed":CODE,"retriable":…,"message":…}`.
 *
 * With one `--sink NAME`, the events parked for that sink: `--parked` lists them, one JSON line
 * each, `{"sink","seq","entity","state","holding","reason"}` (no value), and delivers nothing;
 * `--requeue SEQ…|all` and `--skip SEQ… --reason TEXT` (`--by NAME`, default the OS user) re-queue
 * or skip them first, as `onecode push --requeue-parked / --skip-parked` does with Kafka's (for the
 * Kafka sink it is exactly that: src/outbox/parked-events.ts; for the others src/sinks/sink-parked.ts),
 * and the sink's line starts with `"requeued":…,"skippedParked":…,"released":…`.
 *
 * Exit 0 when every sink is delivered to; 1 when one stopped (the others were still delivered to);
 * 2 for a bad sink file, an unknown `--sink`, or a bad use of the parked flags.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ConfigError } from '../errors.ts';
import { resultRows } from '../index/result-rows.ts';
import type { Logger } from '../logger.ts';
import { requeueParked, skipParked } from '../outbox/parked-events.ts';
import { heldSql, parkedSql } from '../outbox/outbox-states.ts';
import { deliverAll } from '../sinks/deliver-all.ts';
import { readSinkFolder, type SinkDeclaration } from '../sinks/sink-config.ts';
import { listSinkParked, requeueSinkParked, skipSinkParked, type SinkParkedEvent } from '../sinks/sink-parked.ts';
import { openIndexForWriting } from './open-index-for-cli.ts';
import { parkedActions, type ParkedActions } from './parked-actions.ts';

/** Options of {@link deliverCommand}, from the command line. */
export interface DeliverCommandOptions {
  dbPath: string;
  /** The sinks folder (`--sinks`, default `sinks`). */
  sinksDir: string;
  /** `--sink NAME…`: only these; default every declared sink. */
  only: readonly string[];
  /** `--parked`: list the events parked for the one `--sink`, deliver nothing. */
  parked?: boolean;
  /** `--requeue SEQ…|all`. */
  requeue?: string[];
  /** `--skip SEQ…`. */
  skip?: string[];
  /** `--reason TEXT`: why they are skipped. Required with skip. */
  reason?: string;
  /** `--by NAME`: who re-queues or skips. Default: the OS user name. */
  by?: string;
  logger: Logger;
}

/**
 * @throws ConfigError `no_sinks` (exit 2) when the folder declares no valid sink or `--sink` names
 *   none of them; `usage` for the parked flags without exactly one `--sink`, or as parkedActions
 *   throws; `sink_not_parked` / `outbox_not_parked` for a seq that is not a parked event of the sink.
 */
export async function deliverCommand(options: DeliverCommandOptions): Promise<void> {
  const operating = options.parked === true || options.requeue !== undefined || options.skip !== undefined;
  const actions = options.requeue === undefined && options.skip === undefined ? undefined : parkedActions({
    requeue: options.requeue, skip: options.skip, reason: options.reason, by: options.by,
    names: { requeue: '--requeue', skip: '--skip', why: 'why the events are never delivered to this sink (recorded in the index)' },
  });
  if (operating && options.only.length !== 1) throw new ConfigError('usage', '--parked, --requeue and --skip act on one sink: name it with --sink NAME');
  if (options.parked === true && actions !== undefined) throw new ConfigError('usage', '--parked lists; --requeue and --skip act: one at a time');
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
    if (options.parked === true) {
      for (const e of await listParked(index.connection, chosen[0]!)) process.stdout.write(`${JSON.stringify({ sink: chosen[0]!.name, ...e })}\n`);
      return;
    }
    const done = actions === undefined ? undefined : await actOnParked(index.connection, chosen[0]!, actions, options.logger);
    const outcomes = await deliverAll({ connection: index.connection, sinks: chosen, logger: options.logger });
    for (const o of outcomes) {
      process.stdout.write(`${JSON.stringify(o.ok
        ? { ...done, sink: o.sink, delivered: o.delivered, ...(o.alreadyOnTarget === undefined ? {} : { alreadyOnTarget: o.alreadyOnTarget }), parked: o.parked, held: o.held, lastSeq: Number(o.lastSeq), ...(o.recovered ? { recoveredFrom: Number(o.recovered.from), recoveredTo: Number(o.recovered.to) } : {}) }
        : { ...done, sink: o.sink, failed: o.code, retriable: o.retriable, message: o.message })}\n`);
    }
    if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
    if (folder.problems.length > 0 || unknown.length > 0) process.exitCode = 2;
  } finally {
    index.close();
  }
}

/** The open parked events of a sink: Kafka's are the outbox's. */
async function listParked(c: DuckDBConnection, sink: SinkDeclaration): Promise<SinkParkedEvent[]> {
  if (sink.kind !== 'kafka') return listSinkParked(c, sink.name);
  const rows = resultRows(await c.runAndReadAll(`
    SELECT p.seq, p.entity, p.parked_reason AS reason, (SELECT count(*) FROM outbox h WHERE h.held_by = p.seq AND ${heldSql('h')}) AS holding
    FROM outbox p WHERE ${parkedSql('p')} ORDER BY p.seq`));
  return rows.map((r): SinkParkedEvent => ({ seq: Number(r.seq), entity: String(r.entity), reason: String(r.reason), state: 'parked', holding: Number(r.holding) }));
}

/** Skips, then re-queues (so that `--requeue all` re-queues every other), recording who; Kafka's by the outbox's own commands. */
async function actOnParked(c: DuckDBConnection, sink: SinkDeclaration, actions: ParkedActions, logger: Logger): Promise<{ requeued: number; skippedParked: number; released: number }> {
  const seqs = actions.requeue === 'all' ? {} : { seqs: actions.requeue! };
  const kafka = sink.kind === 'kafka';
  const skipped = actions.skip === undefined ? undefined
    : kafka ? await skipParked(c, { by: actions.by, seqs: actions.skip, reason: actions.reason! })
      : await skipSinkParked(c, { sink: sink.name, by: actions.by, seqs: actions.skip, reason: actions.reason! });
  const requeued = actions.requeue === undefined ? undefined
    : kafka ? await requeueParked(c, { by: actions.by, ...seqs })
      : await requeueSinkParked(c, { sink: sink.name, by: actions.by, ...seqs });
  const done = { requeued: requeued?.events ?? 0, skippedParked: skipped?.events ?? 0, released: (requeued?.released ?? 0) + (skipped?.released ?? 0) };
  logger.info({ sink: sink.name, ...done, by: actions.by }, 'parked events re-queued or skipped');
  return done;
}
