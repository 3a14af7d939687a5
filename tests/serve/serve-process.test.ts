/**
 * `onecode serve` as a process, against a real broker: scheduled runs every second, the outbox
 * relayed, `status` answered from the snapshot while serve holds the index (lookups and queries,
 * which are recorded in the access log only serve can write then, refused naming its API), and a
 * clean stop on SIGTERM in the middle of a run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { appendFile, cp, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIndex } from '../../src/index/open-index.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { snapshotPathOf, serveStatePathOf } from '../../src/serve/serve-files.ts';
import { onecode } from '../support/cli.ts';
import { releaseBroker, resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { REPO } from '../support/workspace.ts';
import { consumeAll } from '../push/outbox-fixtures.ts';

type LogLine = Record<string, unknown> & { msg: string };

let broker: ResolvedKafka;
let dir: string;
let db: string;
let serve: ChildProcess | undefined;
const logs: LogLine[] = [];
const stderrText: string[] = [];
const prefix = `serve-${randomUUID().slice(0, 8)}`;
const topics = ['person', 'legal_person', 'record'].map((e) => `${prefix}.${e}.v1`);
const SCHEDULED = ['bookkeeping-agencies', 'subsidy-payments'];
const env = () => ({ KAFKA_BROKERS: broker.brokers.join(','), ONECODE_TOPIC_PREFIX: prefix, ONECODE_LOG_LEVEL: 'info' });

/** Resolves with the first log line (already seen or coming) that matches, or fails after `ms`. */
async function waitForLog(what: string, match: (l: LogLine) => boolean, ms = 60_000): Promise<LogLine> {
  const deadline = Date.now() + ms;
  for (let from = 0; Date.now() < deadline; ) {
    const hit = logs.slice(from).find(match);
    if (hit) return hit;
    from = logs.length;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`serve did not log ${what} within ${ms} ms; stderr:\n${stderrText.join('\n').slice(-3000)}`);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-serve-'));
  db = path.join(dir, 'served.duckdb');
  await cp(path.join(REPO, 'pipelines'), path.join(dir, 'pipelines'), { recursive: true });
  await generateSample({ outDir: path.join(dir, 'data/sample'), seed: 5, scale: 1 });
  // The two fastest pipelines every second (node-cron's optional sixth field is seconds); the
  // other two have no schedule and are not run by serve.
  for (const name of SCHEDULED) await appendFile(path.join(dir, 'pipelines', `${name}.yaml`), "schedule: '* * * * * *'\ntimezone: Asia/Shanghai\n");
}, 600_000);

afterAll(async () => {
  if (serve && serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
  await releaseBroker(broker, topics);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('onecode serve', () => {
  it('refuses a bad schedule, or nothing to serve, with exit 2 before touching the index', async () => {
    // A bad schedule leaves its pipeline out (tests/serve/serve-partial-config.test.ts: the others are
    // served); when it was the only schedule and no broker is set, there is nothing to serve.
    const bad = path.join(dir, 'bad-pipelines');
    await cp(path.join(REPO, 'pipelines'), bad, { recursive: true });
    await appendFile(path.join(bad, 'accounting-staff.yaml'), "schedule: '0 25 * * *'\n");
    const invalid = await onecode(['serve', '--pipelines', bad, '--db', path.join(dir, 'never.duckdb')], { cwd: dir, env: { KAFKA_BROKERS: '', ONECODE_LOG_LEVEL: 'silent' } });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^onecode: .*bad-pipelines\/accounting-staff\.yaml:\d+: schedule: '0 25 \* \* \*' is not a cron expression/);
    expect(invalid.stderr.split('\n')[1]).toMatch(/^onecode: no pipeline in .*bad-pipelines\/ has a valid schedule, KAFKA_BROKERS is not set and there is no --http: nothing to serve/);

    const none = path.join(dir, 'no-schedules');
    await cp(path.join(REPO, 'pipelines'), none, { recursive: true });
    const idle = await onecode(['serve', '--pipelines', none, '--db', path.join(dir, 'never.duckdb')], { cwd: dir, env: { KAFKA_BROKERS: '', ONECODE_LOG_LEVEL: 'silent' } });
    expect(idle.code).toBe(2);
    expect(idle.stderr).toMatch(/^onecode: no pipeline in .* has a schedule, KAFKA_BROKERS is not set and there is no --http: nothing to serve/);
    expect(await exists(path.join(dir, 'never.duckdb'))).toBe(false);
  });

  it('runs the scheduled pipelines every second and relays their events', async () => {
    serve = spawn(process.execPath, [path.join(REPO, 'bin/onecode.js'), 'serve', '--pipelines', path.join(dir, 'pipelines'), '--db', db, '--relay-interval', '0.5'], {
      cwd: dir,
      env: { ...process.env, CI: 'true', ...env() },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    void (async () => {
      for await (const line of createInterface({ input: serve.stderr! })) {
        stderrText.push(line);
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line (an error message): kept in stderrText
        }
      }
    })();
    for (const name of SCHEDULED) {
      await waitForLog(`two runs of ${name}`, (l) => l.msg === 'scheduled run succeeded' && l.pipeline === name && logs.filter((x) => x.msg === 'scheduled run succeeded' && x.pipeline === name).length >= 2);
    }
    await waitForLog('a relayed outbox', (l) => l.msg === 'outbox relayed' && Number(l.published) > 0);
    const runs = logs.filter((l) => l.msg === 'scheduled run succeeded');
    expect(new Set(runs.map((l) => l.pipeline))).toEqual(new Set(SCHEDULED));
    // Unchanged sources: only the first run of each pipeline writes events.
    for (const name of SCHEDULED) expect(runs.filter((l) => l.pipeline === name).slice(1).every((l) => l.events === 0)).toBe(true);
  });

  it('answers status from the snapshot while it holds the index; lookup, query and run are refused', async () => {
    expect(await exists(snapshotPathOf(db))).toBe(true);
    const expectedEvents = logs.filter((l) => l.msg === 'scheduled run succeeded').reduce((n, l) => n + Number(l.events), 0);
    // The snapshot follows every run and push: wait until it shows the whole outbox published.
    let status: { outbox: { pending: number; published: number; parked: number }; recent_runs: Array<{ trigger: string; pipeline: string }> } | undefined;
    for (let i = 0; i < 100; i++) {
      const s = await onecode(['status', '--json', '--db', db], { cwd: dir });
      expect(s.code, s.stderr).toBe(0);
      expect(s.stderr).toMatch(new RegExp(`^onecode: .*served\\.duckdb is held by onecode serve \\(pid ${serve!.pid}\\); reading its snapshot of \\d{4}-`));
      status = JSON.parse(s.stdout) as typeof status;
      if (status!.outbox.published === expectedEvents) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status!.outbox).toEqual({ pending: 0, published: expectedEvents, parked: 0, held: 0, skipped: 0, parked_events: [], skipped_events: [] });
    expect(status!.recent_runs.every((r) => r.trigger === 'schedule' && SCHEDULED.includes(r.pipeline))).toBe(true);

    // A lookup or a query is recorded in access_log, which a snapshot cannot take: refused, naming serve's API.
    for (const args of [['query', "SELECT one_code FROM records LIMIT 1"], ['lookup', '11010519491231002X'], ['query', 'DELETE FROM run_log'], ['audit', '--code', '11010519491231002X']]) {
      const refused = await onecode([...args, '--db', db], { cwd: dir });
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(`onecode: ${db}: onecode serve (pid ${serve!.pid}) holds the index: lookups, queries and audits are recorded in its access log, which only serve can write while it runs: ask serve through its HTTP API (onecode serve --http), or stop it (kill -TERM ${serve!.pid})\n`);
    }

    const run = await onecode(['run', '--all', '--db', db], { cwd: dir, env: { KAFKA_BROKERS: '' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`onecode serve (pid ${serve!.pid}) holds the index`);

    const feed = await consumeAll({ brokers: broker.brokers, topics, expected: expectedEvents });
    expect(feed).toHaveLength(expectedEvents);
    expect(new Set(feed.map((m) => m.eventId)).size).toBe(expectedEvents);
  });

  it('stops cleanly on SIGTERM in the middle of a run: the run finishes, exit code 0, the index is consistent', async () => {
    const seen = logs.length;
    const started = await waitForLog('a run starting', (l) => l.msg === 'run started' && logs.indexOf(l) >= seen);
    const exited = once(serve!, 'exit');
    serve!.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const stopping = logs.find((l) => l.msg === 'stopping: finishing the job going, starting no other')!;
    expect(stopping.reason).toBe('SIGTERM');
    expect(logs.at(-1)?.msg).toBe('stopped');
    expect(await exists(snapshotPathOf(db))).toBe(false);
    expect(await exists(serveStatePathOf(db))).toBe(false);

    const index = await openIndex(db);
    try {
      const rows = async (sql: string) => (await index.connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
      const runs = await rows('SELECT run_id, pipeline, trigger, status FROM runs ORDER BY run_no');
      expect(runs.find((r) => r.run_id === started.runId)?.status).toBe('succeeded'); // finished, not abandoned
      expect(runs.every((r) => r.trigger === 'schedule' && r.status === 'succeeded')).toBe(true);
      expect(runs.length).toBeGreaterThanOrEqual(4);
      const counts = await rows(`
        SELECT r.pipeline, r.loaded::INT AS loaded, (SELECT count(*)::INT FROM records x WHERE x.pipeline = r.pipeline) AS stored
        FROM runs r WHERE r.run_no = (SELECT max(run_no) FROM runs WHERE pipeline = r.pipeline)`);
      for (const c of counts) expect(c.stored, String(c.pipeline)).toBe(c.loaded);
      const [outbox] = await rows(`SELECT (SELECT count(*)::INT FROM changes) AS events, (SELECT sum(events)::INT FROM runs) AS run_events,
        (SELECT count(*)::INT FROM changes WHERE published_at IS NULL) AS unpublished`);
      expect(outbox!.events).toBe(outbox!.run_events);
      expect(outbox!.unpublished).toBe(0);
    } finally {
      index.close();
    }
    // With serve gone, analysts read the index itself again.
    const s = await onecode(['status', '--db', db], { cwd: dir });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toBe('');
    await writeFile(path.join(dir, 'done'), '');
  });
});
