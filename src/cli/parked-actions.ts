/**
 * What an operator asks for with parked events, checked the same way for Kafka's (`onecode push
 * --requeue-parked [SEQ…] | --skip-parked SEQ… --reason TEXT`) and a sink's (`onecode deliver
 * --sink NAME --requeue SEQ…|all | --skip SEQ… --reason TEXT`): outbox seqs, a reason for a skip,
 * no seq both re-queued and skipped, and who does it (`--by`, default the OS user), recorded with
 * the events.
 */
import os from 'node:os';
import { ConfigError } from '../errors.ts';

/** What the operator asked for, checked. */
export interface ParkedActions {
  requeue?: bigint[] | 'all';
  skip?: bigint[];
  reason?: string;
  by: string;
}

/** The flags as given, and their names for the messages. */
export interface ParkedFlags {
  /** True or an empty list: every parked event; else the seqs given (`all` among them: every one). */
  requeue?: boolean | string[];
  skip?: string[];
  reason?: string;
  by?: string;
  /** Flag names, and what the reason says (`why the events are never published (recorded in the outbox)`). */
  names: { requeue: string; skip: string; why: string };
}

/**
 * Checks the flags.
 * @throws ConfigError `usage` (exit 2) for a value that is not an outbox seq, a skip without a
 *   reason, a reason without a skip, or a seq both re-queued and skipped.
 */
export function parkedActions(flags: ParkedFlags): ParkedActions {
  const { names } = flags;
  const seqs = (flag: string, values: string[]): bigint[] => {
    const bad = values.filter((v) => !/^[1-9][0-9]{0,18}$/.test(v));
    if (bad.length > 0) throw new ConfigError('usage', `${flag}: '${bad.join("', '")}' is not an outbox seq (a positive whole number; onecode status lists the parked events)`);
    return values.map((v) => BigInt(v));
  };
  const requeue = flags.requeue === undefined || flags.requeue === false ? undefined
    : flags.requeue === true || flags.requeue.length === 0 || (flags.requeue.length === 1 && flags.requeue[0] === 'all') ? 'all' as const
      : seqs(names.requeue, flags.requeue);
  const skip = flags.skip === undefined ? undefined : seqs(names.skip, flags.skip);
  if (skip !== undefined && (flags.reason === undefined || flags.reason.trim() === '')) {
    throw new ConfigError('usage', `${names.skip} needs --reason TEXT: ${names.why}`);
  }
  if (skip === undefined && flags.reason !== undefined) throw new ConfigError('usage', `--reason goes with ${names.skip}`);
  if (skip !== undefined && requeue !== undefined && requeue !== 'all') {
    const both = skip.filter((s) => requeue.includes(s));
    if (both.length > 0) throw new ConfigError('usage', `seq ${both.join(', ')}: re-queue or skip a parked event, not both`);
  }
  const by = flags.by?.trim() || osUser();
  return { ...(requeue === undefined ? {} : { requeue }), ...(skip === undefined ? {} : { skip, reason: flags.reason!.trim() }), by };
}

/** The OS user running the command, for `requeued_by` / `skipped_by`. */
function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
