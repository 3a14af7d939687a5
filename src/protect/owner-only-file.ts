/**
 * The one check of a file only its owner may touch (key files, token files, Kafka's secret files,
 * serve's state file): a regular file, owned by the user of this process, with no permission bit
 * for group or others (mode 0600 or 0400, as OpenSSH asks of private keys: sshd(8) StrictModes).
 * Each caller turns the problem into its own error code and message.
 */
import type { BigIntStats, Stats } from 'node:fs';

/** Why a file is not owner-only. */
export type OwnerOnlyProblem =
  | { kind: 'not_regular'; text: string }
  | { kind: 'not_owner'; text: string }
  | { kind: 'open_mode'; text: string; mode: string };

/**
 * What is wrong with a file of `info` (from fstat of the open file, or lstat of its path so that a
 * symbolic link counts as "not a regular file"), or undefined when it is owner-only.
 * @param info the file's stat.
 * @param options.bits the permission bits others must not have (default 0o077: read, write, execute
 *   by group or others); `ownerUid` the expected owner (default this process's uid; on a system
 *   without uids the owner is not checked).
 * @returns `kind` and `text` (`not a regular file`, `owned by uid N, not by this user (uid M)`,
 *   `mode 644`), never the file's contents.
 */
export function ownerOnlyProblem(info: Stats | BigIntStats, options: { bits?: number; ownerUid?: number } = {}): OwnerOnlyProblem | undefined {
  if (!info.isFile()) return { kind: 'not_regular', text: info.isSymbolicLink() ? 'a symbolic link, not a regular file' : 'not a regular file' };
  const uid = options.ownerUid ?? process.getuid?.();
  if (uid !== undefined && Number(info.uid) !== uid) return { kind: 'not_owner', text: `owned by uid ${info.uid}, not by this user (uid ${uid})` };
  const mode = Number(info.mode) & 0o777;
  if ((mode & (options.bits ?? 0o077)) !== 0) return { kind: 'open_mode', text: `mode ${mode.toString(8)}`, mode: mode.toString(8) };
  return undefined;
}
