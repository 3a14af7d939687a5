import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Pipeline } from '../../schemas/pipeline.ts';

/**
 * SM3 (GB/T 32905-2016) of a text's UTF-8 bytes, as 64 lower-case hex digits, and that byte
 * count. Node's crypto (OpenSSL) provides SM3; GB/T 32905-2016 Appendix A: "abc" →
 * 66c7f0f4…8f4ba8e0.
 */
export function sm3Utf8(text: string): { sm3: string; bytes: number } {
  const data = Buffer.from(text, 'utf8');
  return { sm3: createHash('sm3').update(data).digest('hex'), bytes: data.length };
}

/** Whether a pipeline classifies any source column `secret`. */
export function hasSecretColumns(pipeline: Pipeline): boolean {
  return Object.values(pipeline.classification).includes('secret');
}

/**
 * The one place that decides what quarantine keeps of a row that could not be split into
 * columns (the reject table `line, raw, reason_code, message`, whichever connector or staging
 * path filled it: malformed or non-object JSON, a repeated key, a lone surrogate, invalid UTF-8,
 * a CSV row with the wrong number of columns…). Such a row's raw text may hold the value of a
 * column classified `secret`, which no dropping by column name can reach.
 *
 * Adds `raw_sm3 VARCHAR, raw_bytes BIGINT` to `rejectTable` (NULL unless withheld). When the
 * pipeline classifies any column `secret`, every reject's `raw` is replaced by NULL and
 * `raw_sm3`/`raw_bytes` keep the SM3 digest (GB/T 32905-2016) and length of its UTF-8 bytes
 * instead — the text as read, decoded from the source encoding, without its final line ending —
 * so that a data steward can find the line in the source by its `line` and check it is that one
 * (e.g. `sed -n 12p file | tr -d '\n' | openssl dgst -sm3`). Pipelines with no secret column keep
 * the raw text. Runs after staging, before anything is written to the index: the withheld text
 * exists only in this run's temporary tables. The digest is unkeyed, so that anyone holding the
 * source can check it: it identifies a line, it does not hide one whose whole text can be guessed.
 * @returns how many distinct raw texts were withheld.
 */
export async function withholdRejectedRaw(o: { connection: DuckDBConnection; pipeline: Pipeline; rejectTable: string }): Promise<number> {
  const { connection: c, rejectTable } = o;
  await c.run(`ALTER TABLE ${rejectTable} ADD COLUMN IF NOT EXISTS raw_sm3 VARCHAR`);
  await c.run(`ALTER TABLE ${rejectTable} ADD COLUMN IF NOT EXISTS raw_bytes BIGINT`);
  if (!hasSecretColumns(o.pipeline)) return 0;
  const texts = (await c.runAndReadAll(`SELECT DISTINCT raw FROM ${rejectTable} WHERE raw IS NOT NULL`)).getRows().map((r) => String(r[0]));
  if (texts.length === 0) return 0;
  const digests = `${rejectTable}_sm3`;
  await c.run(`CREATE OR REPLACE TEMP TABLE ${digests} (raw VARCHAR, sm3 VARCHAR, bytes BIGINT)`);
  const appender = await c.createAppender(digests, null, 'temp');
  try {
    for (const raw of texts) {
      const { sm3, bytes } = sm3Utf8(raw);
      appender.appendVarchar(raw);
      appender.appendVarchar(sm3);
      appender.appendBigInt(BigInt(bytes));
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
  await c.run(`
    UPDATE ${rejectTable} r SET raw = NULL, raw_sm3 = d.sm3, raw_bytes = d.bytes
    FROM ${digests} d WHERE r.raw = d.raw`);
  await c.run(`DROP TABLE ${digests}`);
  return texts.length;
}
