/**
 * Test helpers for `onecode discover`: a folder laid out as a project (pipelines/ beside data/),
 * synthetic codes, and discovery of a CSV file written there.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { discover, type DiscoverOptions } from '../../src/discover/discover-command.ts';
import { organizationCodeCheckCharacter, usccCheckCharacter } from '../../src/identifiers/check-characters.ts';
import { createLogger } from '../../src/logger.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { csvBytes } from '../support/csv-files.ts';

export { personId } from '../support/csv-files.ts';

/** A valid USCC (GB 32100-2015) of a Fuzhou enterprise, organisation code built from `n`. Test data only. */
export function usccOf(n: number): string {
  const org8 = String(10_000_000 + n).slice(-8);
  const first17 = `91350100${org8}${organizationCodeCheckCharacter(org8)}`;
  return first17 + usccCheckCharacter(first17);
}

/** A mobile number 139 + 8 digits from `n`. Test data only. */
export const mobileOf = (n: number): string => `139${String(n).padStart(8, '0')}`;

/** A project folder: `pipelines/` and `data/` beside it; `dispose` removes it. */
export interface Project {
  dir: string;
  pipelines: string;
  data: string;
  /** Writes `data/<file>` from lines (UTF-8, LF). */
  writeCsv(file: string, lines: string[]): Promise<string>;
  /** Discovers a CSV file of `data/` through the API, as `--connector csv --option path=data/<file>` from the project folder. */
  discoverCsv(file: string, extra?: Partial<DiscoverOptions>): Promise<{ yaml: string; notes: string[] }>;
  /** Saves a proposal as `pipelines/<name>.yaml` and loads it as a run would. */
  load(name: string, yaml: string): Promise<Pipeline>;
  dispose(): Promise<void>;
}

export async function createProject(): Promise<Project> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-discover-'));
  const pipelines = path.join(dir, 'pipelines');
  const data = path.join(dir, 'data');
  await mkdir(pipelines);
  await mkdir(data);
  const logger = createLogger({ level: 'silent' });
  return {
    dir,
    pipelines,
    data,
    async writeCsv(file, lines) {
      const full = path.join(data, file);
      await writeFile(full, csvBytes(lines));
      return full;
    },
    discoverCsv: (file, extra = {}) => discover({
      connector: 'csv', options: [`path=data/${file}`], pipelines: 'pipelines', cwd: dir, logger, runDate: '2026-01-01', ...extra,
    }),
    async load(name, yaml) {
      const file = path.join(pipelines, `${name}.yaml`);
      await writeFile(file, yaml);
      return loadPipeline(file);
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
