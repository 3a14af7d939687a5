/**
 * A database connector's extract alone (every row read and converted to text, nothing stored),
 * timed, with the peak resident set size; used by bench/connectors-db.ts in its own process and,
 * run as `node --max-old-space-size=32 --import tsx bench/extract-capped.ts KIND TABLE` with the URL
 * in BENCH_DB_URL, in a child whose V8 old space is capped: that child loads only the connectors,
 * and finishes a table of any size only if rows are not held. Prints the figures as JSON.
 */
import { fileURLToPath } from 'node:url';
import { CONNECTORS } from '../connectors/index.ts';
import type { Connector } from '../connectors/types.ts';
import type { Pipeline } from '../schemas/pipeline.ts';
import { createLogger } from '../src/logger.ts';

/** What one extract measured: milliseconds, rows, and the RSS before and at its peak (bytes). */
export interface ExtractFigures {
  ms: number;
  rows: number;
  rssBefore: number;
  rssPeak: number;
}

/** Reads `table` with the `kind` connector from the URL in `env.BENCH_DB_URL`, counting rows. */
export async function extractOnly(kind: 'postgres' | 'mysql', env: NodeJS.ProcessEnv, table: string): Promise<ExtractFigures> {
  const connector = CONNECTORS[kind] as Connector<Pipeline['connector']>;
  const options = connector.options.parse({ kind, url_env: 'BENCH_DB_URL', table });
  const pipeline = { name: 'bench-extract', file: 'bench-extract.yaml' } as unknown as Pipeline;
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  let rows = 0;
  try {
    const read = await connector.open({ pipeline, logger: createLogger({ level: 'silent' }), state: null, env }, options);
    try {
      for await (const row of read.extract()) if (row.kind === 'row') rows++;
    } finally {
      await read.close();
    }
  } finally {
    clearInterval(sampler);
  }
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  return { ms: performance.now() - t, rows, rssBefore, rssPeak };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [kind, table] = process.argv.slice(2) as ['postgres' | 'mysql', string];
  console.log(JSON.stringify(await extractOnly(kind, process.env, table)));
}
