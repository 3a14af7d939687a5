/**
 * Issue 8: no run stays `running` for ever. A `onecode run` killed with SIGKILL in the middle of a
 * big run leaves its `runs` row `running`; the next open of the index for writing marks it
 * `abandoned`, with `ended_at` and error code `run_abandoned`, and nothing of it was committed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABANDONED_ERROR_CODE, openIndex } from '../../src/index/open-index.ts';
import { writePersonBenchmarkCsv } from '../../src/sample/bench-persons.ts';
import { onecode } from '../support/cli.ts';
import { REPO } from '../support/workspace.ts';

const ROWS = 400_000;

describe('a run whose process was killed', () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-abandoned-'));
    db = path.join(dir, 'index.duckdb');
    await writePersonBenchmarkCsv(path.join(dir, 'persons.csv'), ROWS, 7);
    await writeFile(path.join(dir, 'persons.yaml'), stringify({
      system: '会计人员管理系统', entity: 'person', connector: { kind: 'csv', path: 'persons.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    }));
  }, 300_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('is marked abandoned the next time the index is opened for writing', async () => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin/onecode.js'), 'run', 'persons', '--pipelines', dir, '--db', db], {
      cwd: dir,
      env: { ...process.env, CI: 'true', ONECODE_LOG_LEVEL: 'info', KAFKA_BROKERS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = once(child, 'exit');
    // Kill it half a second after the run started (a 400,000-row run takes several seconds).
    for await (const line of createInterface({ input: child.stderr })) {
      if (line.includes('"msg":"run started"')) {
        await new Promise((r) => setTimeout(r, 500));
        child.kill('SIGKILL');
        break;
      }
    }
    const [code, signal] = (await exited) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect(stdout).toBe(''); // it never got to its summary

    // A read-only open changes nothing: the row still says running.
    const status = await onecode(['status', '--json', '--db', db]);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { recent_runs: Array<{ status: string }> }).recent_runs.map((r) => r.status)).toEqual(['running']);

    const before = Date.now();
    const index = await openIndex(db);
    try {
      const rows = async (sql: string) => (await index.connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
      const [run] = await rows(`SELECT run_id, status, error_code, error, ended_at IS NOT NULL AS ended, epoch_ms(ended_at) AS ended_ms, epoch_ms(started_at) AS started_ms, rows_read FROM runs`);
      expect(run).toMatchObject({
        run_id: 'r000001', status: 'abandoned', error_code: ABANDONED_ERROR_CODE, ended: true, rows_read: null,
        error: 'the process running it stopped before the run ended (killed or crashed); nothing of the run was committed',
      });
      expect(Number(run!.ended_ms)).toBeGreaterThanOrEqual(Number(run!.started_ms));
      expect(Number(run!.ended_ms)).toBeGreaterThanOrEqual(before - 1_000);
      // Nothing of the killed run was committed.
      expect(await rows(`SELECT (SELECT count(*)::INT FROM records) AS records, (SELECT count(*)::INT FROM persons) AS persons,
                                (SELECT count(*)::INT FROM changes) AS events, (SELECT count(*)::INT FROM quarantine) AS quarantined`))
        .toEqual([{ records: 0, persons: 0, events: 0, quarantined: 0 }]);
    } finally {
      index.close();
    }
    // Opening again finds nothing more to mark; a new run numbers on.
    const again = await openIndex(db);
    try {
      expect((await again.connection.runAndReadAll(`SELECT status, count(*)::INT AS n FROM runs GROUP BY ALL`)).getRowObjectsJson()).toEqual([{ status: 'abandoned', n: 1 }]);
    } finally {
      again.close();
    }
  });
});
