import { cp } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineFolder } from '../../src/config/load-pipelines.ts';
import { createLogger } from '../../src/logger.ts';
import { runPipeline } from '../../src/run/run-pipeline.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

// ARCHITECTURE.md: logs never contain ID numbers, names or phone numbers.
describe('logs keep personal data out', () => {
  let ws: Workspace;
  let log = '';
  const secrets = new Set<string>();

  beforeAll(async () => {
    ws = await createWorkspace();
    await cp(path.join(REPO, 'pipelines'), path.join(ws.dir, 'pipelines'), { recursive: true });
    await generateSample({ outDir: path.join(ws.dir, 'data/sample'), seed: 3 });
    const sink = new Writable({ write(chunk, _enc, done) { log += chunk; done(); } });
    const logger = createLogger({ level: 'trace', destination: sink });
    for (const p of await loadPipelineFolder(path.join(ws.dir, 'pipelines'))) {
      const summary = await runPipeline({ index: ws.index, pipeline: p, logger, runDate: '2026-01-01' });
      expect(summary.status).toBe('succeeded');
    }
    // a failing run logs too
    const broken = await ws.writePipeline('broken', {
      system: 'x', entity: 'person', connector: { kind: 'csv', path: 'data/sample/subsidy-payments.csv' },
      mapping: { id_number: 'no-such-column' }, source_key: ['no-such-column'],
    });
    expect((await runPipeline({ index: ws.index, pipeline: broken, logger })).status).toBe('failed');
    const rows = await ws.rows(`SELECT DISTINCT one_code AS v FROM records UNION SELECT DISTINCT name FROM records WHERE name IS NOT NULL
                                UNION SELECT DISTINCT json_extract_string(payload, '$.手机号') FROM source_record WHERE json_extract_string(payload, '$.手机号') IS NOT NULL`);
    for (const r of rows) secrets.add(String(r.v));
  });
  afterAll(async () => ws.dispose());

  it('a run at trace level logs something, and no ID number, name or phone number', () => {
    expect(log.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(10);
    expect(secrets.size).toBeGreaterThan(1000);
    const leaked = [...secrets].filter((s) => s.length >= 2 && log.includes(s));
    expect(leaked).toEqual([]);
    expect(log).not.toMatch(/\d{17}[\dX]/);
  });

  it('the CLI logs nothing personal either, even when it fails on a bad value', async () => {
    const db = path.join(ws.dir, 'cli.duckdb');
    const run = await onecode(['run', '--all', '--db', db], { cwd: ws.dir, env: { ONECODE_LOG_LEVEL: 'trace', KAFKA_BROKERS: '' } });
    expect(run.code).toBe(0);
    const lookup = await onecode(['lookup', '350102198503171238', '--db', db], { env: { ONECODE_LOG_LEVEL: 'trace' } });
    expect(lookup.code).toBe(2);
    const stderr = run.stderr + lookup.stderr.replace(/^onecode: .*\n/m, '');
    expect(stderr.length).toBeGreaterThan(0);
    expect(stderr).not.toMatch(/\d{15,17}[\dX]/);
    const names = [...secrets].filter((s) => /^[\u4e00-\u9fff]{2,3}$/.test(s));
    expect(names.filter((n) => stderr.includes(n))).toEqual([]);
  });
});
