import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlanContext } from '../../src/index/plan/plan-context.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { residentId } from './small-index.ts';

// The guards are wired into every run: a fault planted in one planning step (one at a time, by
// wrapping the real step) must fail the run with `counts_mismatch` and leave the index as it
// was. checkCountsAddUp catches counts that do not add up before anything is written;
// verifyWritten catches a write that lost or doubled a row before the commit.
type Fault = 'none' | 'duplicate counted twice' | 'unchanged counted twice' | 'source record lost' | 'quarantined row lost' | 'event doubled';
const fault = vi.hoisted(() => ({ now: 'none' as Fault }));

vi.mock('../../src/index/plan/dispositions.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/index/plan/dispositions.ts')>();
  return {
    ...real,
    async countDispositions(ctx: PlanContext) {
      const d = await real.countDispositions(ctx);
      return fault.now === 'duplicate counted twice' ? { ...d, duplicates: d.duplicates + 1 } : d;
    },
  };
});
vi.mock('../../src/index/plan/record-changes.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/index/plan/record-changes.ts')>();
  return {
    ...real,
    async planRecordChanges(ctx: PlanContext) {
      const changes = await real.planRecordChanges(ctx);
      if (fault.now === 'unchanged counted twice') return { ...changes, loadedUnchanged: changes.loadedUnchanged + 1 };
      // the insert of new records loses its last row (the golden records are planned from the same SQL)
      if (fault.now === 'source record lost') return { ...changes, newRecordsSql: `SELECT * FROM (${changes.newRecordsSql}) ORDER BY source_key LIMIT ${changes.created + changes.updated - 1}` };
      return changes;
    },
  };
});
vi.mock('../../src/index/plan/quarantine.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/index/plan/quarantine.ts')>();
  return {
    ...real,
    async planQuarantine(ctx: PlanContext) {
      await real.planQuarantine(ctx);
      if (fault.now === 'quarantined row lost') await ctx.connection.run(`DELETE FROM quarantine_new WHERE line = (SELECT max(line) FROM quarantine_new)`);
    },
  };
});
vi.mock('../../src/index/plan/outbox-events.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/index/plan/outbox-events.ts')>();
  return {
    ...real,
    outboxInsertSql(ctx: PlanContext, events: string) {
      return real.outboxInsertSql(ctx, fault.now === 'event doubled' ? `SELECT * FROM (${events}) UNION ALL (SELECT * FROM (${events}) LIMIT 1)` : events);
    },
  };
});

describe('the counts guards fail a faulty run and leave the index as it was', () => {
  let ws: Workspace;
  beforeEach(async () => {
    ws = await createWorkspace();
    fault.now = 'none';
  });
  afterEach(async () => {
    fault.now = 'none';
    await ws.dispose();
  });

  // 4 rows read: 2 persons load, 1 exact repeat, 1 wrong check character quarantined.
  const runStaff = async () => {
    const a = residentId('35010219800101123');
    const b = residentId('35010219800202124');
    const wrongCheck = residentId('35010219800303125').replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    await writeFile(path.join(ws.dir, 'staff.csv'), `身份证号,姓名\n${a},陈明\n${b},林芳\n${wrongCheck},王强\n${a},陈明\n`);
    const p = await ws.writePipeline('staff', {
      system: '人事管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    return ws.run(p);
  };
  const indexState = async () => ({
    records: await ws.rows(`SELECT count(*)::INT AS n FROM records`),
    persons: await ws.rows(`SELECT count(*)::INT AS n FROM persons`),
    quarantine: await ws.rows(`SELECT count(*)::INT AS n FROM quarantine`),
    changes: await ws.rows(`SELECT count(*)::INT AS n FROM changes`),
  });

  it('without a fault the run succeeds with these counts', async () => {
    expect(await runStaff()).toMatchObject({ status: 'succeeded', rowsRead: 4, loaded: 2, duplicates: 1, quarantined: 1, created: 2, events: 2 });
    expect(await indexState()).toEqual({ records: [{ n: 2 }], persons: [{ n: 2 }], quarantine: [{ n: 1 }], changes: [{ n: 2 }] });
  });

  it.each([
    ['duplicate counted twice', 'counts do not add up: 4 rows read but 5 placed (loaded 2 + duplicates 2 + quarantined 1); nothing was applied'],
    ['unchanged counted twice', 'counts do not add up: 2 rows loaded but 3 records created, updated, unchanged or marked deleted; nothing was applied'],
    ['source record lost', "the written index does not match the run's counts (records: expected 2, found 1); rolled back, nothing was applied"],
    ['quarantined row lost', "the written index does not match the run's counts (quarantined: expected 1, found 0); rolled back, nothing was applied"],
    ['event doubled', "the written index does not match the run's counts (events: expected 2, found 3); rolled back, nothing was applied"],
  ] as const)('%s: the run fails with counts_mismatch and changes nothing', async (planted, message) => {
    fault.now = planted;
    const run = await runStaff();
    expect(run).toMatchObject({ status: 'failed', errorCode: 'counts_mismatch', error: `run ${run.runId}: ${message}` });
    expect(await ws.rows(`SELECT status, error_code, rows_read FROM runs WHERE run_id = '${run.runId}'`)).toEqual([{ status: 'failed', error_code: 'counts_mismatch', rows_read: null }]);
    expect(await indexState()).toEqual({ records: [{ n: 0 }], persons: [{ n: 0 }], quarantine: [{ n: 0 }], changes: [{ n: 0 }] });
  });
});
