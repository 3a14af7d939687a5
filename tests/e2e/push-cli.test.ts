/**
 * `onecode push` and `run` as an operator meets them when something is off: no broker configured,
 * a broker that does not answer, parked events in `status`; `run` pushing to the Kafka feed a
 * sinks/kafka.yaml declares, and refusing one the environment contradicts.
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIndex } from '../../src/index/open-index.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { onecode } from '../support/cli.ts';
import { releaseBroker, resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { consumeAll } from '../push/outbox-fixtures.ts';
import { REPO } from '../support/workspace.ts';

let dir: string;
let broker: ResolvedKafka;
const prefix = `cli-${randomUUID().slice(0, 8)}`;
const topics = ['person', 'legal_person', 'record'].map((e) => `${prefix}.${e}.v1`);
const declaredTopics = ['person', 'legal_person', 'record'].map((e) => `${prefix}-declared.${e}.v1`);
const env = { KAFKA_BROKERS: '', ONECODE_TOPIC_PREFIX: prefix, ONECODE_LOG_LEVEL: 'silent' };
/** Nothing listens on port 1: connections are refused at once, and kafkajs retries for ~10 s. */
const NOBODY = '127.0.0.1:1';

/** A fresh index in `dir` holding one run of the legal-person pipeline (294 events, all pending). */
async function indexWithEvents(name: string): Promise<{ db: string; events: number }> {
  const db = path.join(dir, `${name}.duckdb`);
  const run = await onecode(['run', 'bookkeeping-agencies', '--db', db], { cwd: dir, env });
  expect(run.code, run.stderr).toBe(0);
  return { db, events: Number(/(\d+) change event\(s\) pending/.exec(run.stdout)![1]) };
}

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-push-cli-'));
  await cp(path.join(REPO, 'pipelines'), path.join(dir, 'pipelines'), { recursive: true });
  await generateSample({ outDir: path.join(dir, 'data/sample'), seed: 3, scale: 1 });
}, 600_000);

afterAll(async () => {
  await releaseBroker(broker, [...topics, ...declaredTopics]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('onecode push', () => {
  it('without a broker: exit 2 and one line saying how to configure one', async () => {
    const { db, events } = await indexWithEvents('unconfigured');
    expect(events).toBeGreaterThan(100);
    const push = await onecode(['push', '--db', db], { cwd: dir, env });
    expect(push.code).toBe(2);
    expect(push.stderr).toBe('onecode: no Kafka broker configured: set KAFKA_BROKERS=host:port[,host:port] or pass --brokers (a local one: npm run kafka:start, then KAFKA_BROKERS=127.0.0.1:9092)\n');
    const bad = await onecode(['push', '--db', db, '--brokers', 'localhost', '--partitions', '0'], { cwd: dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^onecode: brokers: 'localhost' is not host:port/);
  });

  it.concurrent('a broker that does not answer: exit 1, one line saying it is retriable, nothing marked published', async () => {
    const { db, events } = await indexWithEvents('unreachable-push');
    const push = await onecode(['push', '--db', db, '--brokers', NOBODY], { cwd: dir, env });
    expect(push.code).toBe(1);
    expect(push.stdout).toBe('');
    expect(push.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(push.stderr).toMatch(/^onecode: push failed \(BROKER_UNAVAILABLE, retriable: run `onecode push` again\): .*\[0 published and 0 parked before it stopped, (\d+) pending\]\n$/);
    expect(push.stderr).toContain(`${events} pending]`);
  }, 60_000);

  it.concurrent('run with an unreachable KAFKA_BROKERS: the runs are committed, the push failure exits 1, events stay pending', async () => {
    const db = path.join(dir, 'unreachable-run.duckdb');
    const run = await onecode(['run', 'bookkeeping-agencies', '--db', db], { cwd: dir, env: { ...env, KAFKA_BROKERS: NOBODY } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/│ bookkeeping-agencies\s+│ succeeded/);
    expect(run.stderr).toMatch(/^onecode: the runs above are committed; push failed \(BROKER_UNAVAILABLE, retriable: run `onecode push` again\)/);
    const status = await onecode(['status', '--json', '--db', db], { cwd: dir, env });
    const s = JSON.parse(status.stdout) as { outbox: { pending: number; published: number }; recent_runs: Array<{ status: string }> };
    expect(s.recent_runs.map((r) => r.status)).toEqual(['succeeded']);
    expect(s.outbox.pending).toBeGreaterThan(100);
    expect(s.outbox.published).toBe(0);
  }, 60_000);

  it('status lists parked events with their reasons; push goes on without them', async () => {
    const { db, events } = await indexWithEvents('parked');
    const index = await openIndex(db);
    await index.connection.run(`UPDATE outbox SET parked_reason = 'event of 1200000 bytes is larger than maxMessageBytes (1000000); raise it or shrink the event'
      WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT 2)`);
    index.close();

    const text = await onecode(['status', '--db', db], { cwd: dir, env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`outbox: ${events - 2} pending, 0 published, 2 parked\n`);
    expect(text.stdout).toMatch(/^parked events \(not published; later events of the same key wait behind them, other keys go on\):\n {2}seq 2 legal_person c \(run r000001\): event of 1200000 bytes is larger than maxMessageBytes .*\n {2}seq 1 legal_person c \(run r000001\): event of 1200000.*\n {2}once fixed: onecode push --requeue-parked \[SEQ…\]; or never publish them: onecode push --skip-parked SEQ… --reason TEXT\n/m);
    const json = JSON.parse((await onecode(['status', '--json', '--db', db], { cwd: dir, env })).stdout) as { outbox: { parked: number; parked_events: Array<{ seq: number; reason: string }> } };
    expect(json.outbox.parked).toBe(2);
    expect(json.outbox.parked_events.map((e) => e.seq)).toEqual([2, 1]);
    expect(json.outbox.parked_events[0]!.reason).toMatch(/larger than maxMessageBytes/);

    const push = await onecode(['push', '--db', db, '--brokers', broker.brokers.join(',')], { cwd: dir, env });
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout)).toEqual({ published: events - 2, skippedAlreadyOnBroker: 0, parked: 0, held: 0, pending: 0 });
    const after = JSON.parse((await onecode(['status', '--json', '--db', db], { cwd: dir, env })).stdout) as { outbox: { pending: number; published: number; parked: number } };
    expect(after.outbox).toMatchObject({ pending: 0, published: events - 2, parked: 2 });
  });
});

describe('onecode run with a declared Kafka sink', () => {
  it('pushes to the declared feed (its brokers variable, prefix and policy), and refuses an environment that says otherwise before any run', async () => {
    const sinks = path.join(dir, 'declared-sinks');
    await mkdir(sinks);
    await writeFile(path.join(sinks, 'kafka.yaml'), `kind: kafka\nbrokers_env: ONECODE_TEST_RUN_BROKERS\ntopic_prefix: ${prefix}-declared\npolicy: personal=clear\n`);
    const declaredEnv = { ...env, ONECODE_TOPIC_PREFIX: '', ONECODE_TEST_RUN_BROKERS: broker.brokers.join(',') };
    const run = (db: string, more: Record<string, string>) => onecode(['run', 'bookkeeping-agencies', '--db', path.join(dir, db), '--sinks', 'declared-sinks'], { cwd: dir, env: { ...declaredEnv, ...more } });

    const contradictions: [Record<string, string>, string][] = [
      [{ ONECODE_TOPIC_PREFIX: prefix }, 'topic_prefix differs from ONECODE_TOPIC_PREFIX'],
      [{ KAFKA_BROKERS: NOBODY }, 'brokers_env names ONECODE_TEST_RUN_BROKERS, and KAFKA_BROKERS holds other brokers'],
      [{ ONECODE_FEED_POLICY: 'personal=mask' }, 'policy differs from ONECODE_FEED_POLICY'],
    ];
    for (const [more, why] of contradictions) {
      const refused = await run('contradicted.duckdb', more);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toBe(`onecode: declared-sinks/kafka.yaml: the Kafka feed is declared here and in the environment, differently: ${why}. Unset the variable or make the two agree\n`);
      expect(refused.stdout).toBe('');
      // Refused before any run: the index was not even created.
      await expect(stat(path.join(dir, 'contradicted.duckdb'))).rejects.toThrow(/ENOENT/);
    }

    // The same brokers in KAFKA_BROKERS is no contradiction.
    const pushed = await run('declared.duckdb', { KAFKA_BROKERS: broker.brokers.join(',') });
    expect(pushed.code, pushed.stderr).toBe(0);
    const events = Number(/(\d+) change event\(s\) pending/.exec(pushed.stdout)![1]);
    expect(events).toBeGreaterThan(100);
    expect(pushed.stdout).toContain(`pushed ${events} change event(s) to ${broker.brokers.join(',')} (${declaredTopics.join(', ')}); 0 pending\n`);
    const messages = await consumeAll({ brokers: broker.brokers, topics: declaredTopics, expected: events });
    expect(new Set(messages.filter((m) => m.value !== null).map((m) => m.eventId)).size).toBe(events);
    // --no-push reads no feed settings: nothing to contradict, nothing pushed.
    const notPushed = await onecode(['run', 'bookkeeping-agencies', '--db', path.join(dir, 'no-push.duckdb'), '--sinks', 'declared-sinks', '--no-push'], { cwd: dir, env: { ...declaredEnv, ONECODE_TOPIC_PREFIX: prefix } });
    expect(notPushed.code, notPushed.stderr).toBe(0);
    expect(notPushed.stdout).toMatch(/│ bookkeeping-agencies\s+│ succeeded/);
    expect(notPushed.stdout).not.toContain('pushed ');
  }, 300_000);
});
