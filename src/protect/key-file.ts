import { open } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';

/** The environment variable naming the pseudonymisation key file. */
export const PSEUDONYM_KEY_FILE_VARIABLE = 'ONECODE_PSEUDONYM_KEY_FILE';

/**
 * Reads a key file: one line of hex, at least 32 hex characters (16 bytes; `openssl rand -hex 32`
 * writes 32 bytes). The file must be a regular file readable by its owner only (mode 0600 or
 * 0400): a key others can read protects nothing.
 * @returns the key bytes.
 * @throws ConfigError `key_file_unreadable`, `key_file_open` (readable by group or others: the
 *   message names the mode and how to fix it) or `key_file_invalid`, naming the file, never its contents.
 */
export async function readKeyFile(file: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new ConfigError('key_file_unreadable', `${file}: cannot read the key file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ConfigError('key_file_unreadable', `${file}: not a regular file`);
    if ((info.mode & 0o077) !== 0) {
      throw new ConfigError('key_file_open', `${file}: the key file is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`);
    }
    if (info.size > 4096) throw new ConfigError('key_file_invalid', `${file}: ${info.size} bytes is too large for a key file (one line of hex)`);
    const text = (await handle.readFile('utf8')).trim();
    if (!/^[0-9a-fA-F]+$/.test(text) || text.length % 2 !== 0 || text.length < 32) {
      throw new ConfigError('key_file_invalid', `${file}: a key file holds one line of hex, at least 32 characters (openssl rand -hex 32)`);
    }
    return Buffer.from(text, 'hex');
  } finally {
    await handle.close();
  }
}
