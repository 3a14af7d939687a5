import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { openIndex, type OpenIndex } from '../../src/index/open-index.ts';
import { createLogger } from '../../src/logger.ts';
import { runPipeline, type RunSummary } from '../../src/run/run-pipeline.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';

/** The repository root and the shared hand-made cases beside it. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CASES = path.resolve(REPO, '../shared/cases');

/** A temporary folder with its own index file; `dispose` removes it. */
export interface Workspace {
  dir: string;
  index: OpenIndex;
  writePipeline(name: string, config: Record<string, unknown>): Promise<Pipeline>;
  copyCase(relative: string, as?: string): Promise<string>;
  run(pipeline: Pipeline, options?: { allowDeletes?: boolean; force?: boolean }): Promise<RunSummary>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

export async function createWorkspace(): Promise<Workspace> {
  return workspaceIn(await mkdtemp(path.join(os.tmpdir(), 'onecode-test-')));
}

/**
 * A new workspace holding a copy of `from`'s folder (its files and its index, checkpointed
 * first), for a test that changes an extract or the index without changing what other tests
 * of `from` see. Pipelines must be loaded again from the copy (their paths are absolute).
 */
export async function copyWorkspace(from: Workspace): Promise<Workspace> {
  await from.index.connection.run('CHECKPOINT');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-test-'));
  await cp(from.dir, dir, { recursive: true });
  return workspaceIn(dir);
}

async function workspaceIn(dir: string): Promise<Workspace> {
  const index = await openIndex(path.join(dir, 'index.duckdb'));
  const logger = createLogger({ level: 'silent' });
  return {
    dir,
    index,
    async writePipeline(name, config) {
      const file = path.join(dir, `${name}.yaml`);
      await writeFile(file, stringify({ name, ...config }));
      return loadPipeline(file);
    },
    async copyCase(relative, as) {
      const target = path.join(dir, as ?? path.basename(relative));
      await cp(path.join(CASES, relative), target);
      return target;
    },
    run: (pipeline, options = {}) => runPipeline({ index, pipeline, logger, runDate: '2026-01-01', ...options }),
    rows: async (sql) => (await index.connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[],
    async dispose() {
      index.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
