import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.ts';
import { runPipeline, type RunSummary } from '../../src/run/run-pipeline.ts';
import { residentIdCheckCharacter } from '../../src/identifiers/check-characters.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import type { Workspace } from './workspace.ts';

/**
 * A synthetic valid resident identity number (GB 11643-1999): Fuzhou Gulou district (350102),
 * born 1985-03-17, sequence `seq` (1-999). Test data only.
 */
export function personId(seq: number): string {
  const body = `35010219850317${String(seq).padStart(3, '0')}`;
  return body + residentIdCheckCharacter(body);
}

/** A person pipeline over a CSV file of the workspace: 身份证号 is the one code and source key. */
export function personPipeline(ws: Workspace, name: string, connector: Record<string, unknown>, mapping: Record<string, string> = { name: '姓名' }): Promise<Pipeline> {
  return ws.writePipeline(name, {
    system: '测试系统', entity: 'person',
    connector: { kind: 'csv', ...connector },
    mapping: { id_number: '身份证号', ...mapping },
    source_key: ['身份证号'],
  });
}

/** Lines (text or bytes) joined by `eol`, with a final line end unless `final` is false. */
export function csvBytes(lines: (string | Buffer)[], eol = '\n', final = true): Buffer {
  const parts: Buffer[] = [];
  lines.forEach((line, i) => {
    parts.push(typeof line === 'string' ? Buffer.from(line) : line);
    if (i < lines.length - 1 || final) parts.push(Buffer.from(eol));
  });
  return Buffer.concat(parts);
}

/** Runs a pipeline on the workspace's index with a logger at `info` whose output is returned. */
export async function runLogged(ws: Workspace, pipeline: Pipeline): Promise<{ run: RunSummary; log: string }> {
  let log = '';
  const sink = new Writable({ write(chunk, _enc, done) { log += chunk; done(); } });
  const logger = createLogger({ level: 'info', destination: sink });
  const run = await runPipeline({ index: ws.index, pipeline, logger, runDate: '2026-01-01' });
  return { run, log };
}

/** The log line the CSV connector writes when it stages a file row by row instead of through DuckDB's reader. */
export const ROW_BY_ROW = 'staging the CSV file row by row';
