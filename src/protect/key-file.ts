/**
 * Key files: the one shape every onecode key is kept in (the pseudonymisation key, the index
 * encryption key), and the one reader that checks it.
 */
import { open } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';
import { ownerOnlyProblem } from './owner-only-file.ts';

/** The environment variable naming the pseudonymisation key file. */
export const PSEUDONYM_KEY_FILE_VARIABLE = 'ONECODE_PSEUDONYM_KEY_FILE';

/** What a key file must hold, and what names it (for messages). */
export interface KeyFileRule {
  /** Fewest key bytes accepted (the file holds twice as many hex characters). Default 16. */
  minBytes?: number;
  /** The environment variable that named the file, said in every message. */
  variable?: string;
}

/**
 * Reads a key file: one line of hex, at least `2 × minBytes` hex characters (default 32, i.e. 16
 * bytes; `openssl rand -hex 32` writes 32 bytes). The file must be a regular file of this user
 * readable by its owner only (mode 0600 or 0400; owner-only-file.ts): a key others can read protects nothing.
 * @returns the key bytes.
 * @throws ConfigError `key_file_unreadable` (also: not a regular file), `key_file_open` (readable by
 *   group or others, or owned by another user: the message names the mode or owner and how to fix it) or `key_file_invalid`, naming the file (and the
 *   variable that named it), never its contents.
 */
export async function readKeyFile(file: string, rule: KeyFileRule = {}): Promise<Buffer> {
  const minBytes = rule.minBytes ?? 16;
  const where = rule.variable === undefined ? file : `${file} (${rule.variable})`;
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new ConfigError('key_file_unreadable', `${where}: cannot read the key file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const info = await handle.stat();
    const problem = ownerOnlyProblem(info);
    if (problem?.kind === 'not_regular') throw new ConfigError('key_file_unreadable', `${where}: not a regular file`);
    if (problem?.kind === 'open_mode') throw new ConfigError('key_file_open', `${where}: the key file is readable by others (${problem.text}): chmod 600 it`);
    if (problem !== undefined) throw new ConfigError('key_file_open', `${where}: the key file is ${problem.text}: it must be this user's own file`);
    if (info.size > 4096) throw new ConfigError('key_file_invalid', `${where}: ${info.size} bytes is too large for a key file (one line of hex)`);
    const text = (await handle.readFile('utf8')).trim();
    if (!/^[0-9a-fA-F]+$/.test(text) || text.length % 2 !== 0 || text.length < minBytes * 2) {
      throw new ConfigError('key_file_invalid', `${where}: a key file holds one line of hex, at least ${minBytes * 2} characters (openssl rand -hex 32)`);
    }
    return Buffer.from(text, 'hex');
  } finally {
    await handle.close();
  }
}

/**
 * Reads the key file named by the environment variable `variable`, if it is set (an empty value
 * counts as unset).
 * @returns the file and its key bytes, or undefined when the variable is not set.
 * @throws what {@link readKeyFile} throws, naming the variable.
 */
export async function readKeyFileNamedBy(
  variable: string,
  options: { minBytes?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ file: string; key: Buffer } | undefined> {
  const file = (options.env ?? process.env)[variable];
  if (file === undefined || file === '') return undefined;
  return { file, key: await readKeyFile(file, { minBytes: options.minBytes, variable }) };
}
