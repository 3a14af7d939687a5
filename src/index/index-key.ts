/**
 * The key that encrypts the index at rest (opt-in): DuckDB's own database encryption, AES-256-GCM,
 * of the index file, its write-ahead log, serve's snapshot and DuckDB's temporary files.
 *
 * The key lives in a key file named by {@link INDEX_KEY_FILE_VARIABLE}, in the shape every onecode
 * key has (src/protect/key-file.ts: one line of hex, owner-only), at least 32 bytes (AES-256).
 */
import { inspect } from 'node:util';
import { readKeyFileNamedBy } from '../protect/key-file.ts';

/** The environment variable naming the index key file; unset or empty: the index is not encrypted. */
export const INDEX_KEY_FILE_VARIABLE = 'ONECODE_INDEX_KEY_FILE';

/** Fewest bytes an index key has: 32, the AES-256 key size (`openssl rand -hex 32`). */
export const INDEX_KEY_MIN_BYTES = 32;

/**
 * An index key. It says where it came from (`file`) and nothing else: the key itself is kept in a
 * private field, so logging, inspecting or serialising the object never shows it; only
 * {@link IndexKey.attachOption} puts it into the one statement that needs it.
 */
export class IndexKey {
  /** The key file it was read from. */
  readonly file: string;
  readonly #secret: string;

  /** @param key the key bytes (at least {@link INDEX_KEY_MIN_BYTES}); @param file where they came from. */
  constructor(key: Buffer, file: string) {
    if (key.length < INDEX_KEY_MIN_BYTES) throw new RangeError(`an index key has at least ${INDEX_KEY_MIN_BYTES} bytes`);
    this.file = file;
    // DuckDB derives its AES key from the ENCRYPTION_KEY string with a key derivation function and
    // recommends a base64 key: the key bytes, base64 (no quote can occur in it).
    this.#secret = key.toString('base64');
  }

  /** The ATTACH option carrying the key, `ENCRYPTION_KEY '…'` (AES-256-GCM, DuckDB's default cipher). */
  attachOption(): string {
    return `ENCRYPTION_KEY '${this.#secret}', ENCRYPTION_CIPHER 'GCM'`;
  }

  /** `text` with the key replaced by `[key]`: for DuckDB messages that might quote the statement. */
  redact(text: string): string {
    return text.replaceAll(this.#secret, '[key]');
  }

  toJSON(): { file: string } {
    return { file: this.file };
  }

  [inspect.custom](): string {
    return `IndexKey { file: ${JSON.stringify(this.file)} }`;
  }
}

/**
 * The index key named by {@link INDEX_KEY_FILE_VARIABLE} in `env`, if any.
 * @returns undefined when the variable is unset or empty (a plain index).
 * @throws ConfigError `key_file_unreadable`, `key_file_open` or `key_file_invalid` (src/protect/key-file.ts),
 *   naming the file and the variable, never the key.
 */
export async function readIndexKey(env: NodeJS.ProcessEnv = process.env): Promise<IndexKey | undefined> {
  const found = await readKeyFileNamedBy(INDEX_KEY_FILE_VARIABLE, { minBytes: INDEX_KEY_MIN_BYTES, env });
  return found === undefined ? undefined : new IndexKey(found.key, found.file);
}
