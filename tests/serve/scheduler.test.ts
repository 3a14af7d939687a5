/**
 * The scheduler with real node-cron ticks every second and a stand-in for the run (an injected
 * attempt function), so overlap, retries and stopping are tested with exact timings.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startScheduler, type AttemptOutcome } from '../../src/serve/pipeline-scheduler.ts';
import type { ScheduledPipeline } from '../../src/serve/scheduled-pipelines.ts';

const EVERY_SECOND = '* * * * * *';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pipeline(name: string, schedule = EVERY_SECOND): ScheduledPipeline {
  return { name, schedule, timezone: 'Asia/Shanghai', file: `/pipelines/${name}.yaml` } as ScheduledPipeline;
}

/** A logger whose JSON lines are kept for assertions. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

interface Attempt {
  pipeline: string;
  attempt: number;
  start: number;
  end: number;
}

/** An attempt function that takes `ms`, records itself, and returns `outcome(n)` (n counts all calls). */
function recorder(ms: number, outcome: (n: number) => AttemptOutcome = () => 'succeeded') {
  const attempts: Attempt[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const attempt = async (p: ScheduledPipeline, n: number): Promise<AttemptOutcome> => {
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    const start = Date.now();
    await sleep(ms);
    running -= 1;
    attempts.push({ pipeline: p.name, attempt: n, start, end: Date.now() });
    return outcome(attempts.length);
  };
  return { attempt, attempts, mostAtOnce: () => mostAtOnce };
}

const noRetry = { retries: 0, initialDelayMs: 1, maxDelayMs: 1 };

// Each test starts a scheduler of its own and mostly waits for its real ticks: run them side by side.
describe.concurrent('pipeline scheduler', () => {
  it('runs a pipeline scheduled every second; a daily schedule follows its time zone', async () => {
    const { logger, lines } = capturedLogger();
    const rec = recorder(10);
    const nightly = { ...pipeline('nightly', '0 0 3 * * *'), timezone: 'Asia/Shanghai' };
    const nightlyUtc = { ...pipeline('nightly-utc', '0 0 3 * * *'), timezone: 'UTC' };
    const scheduler = startScheduler({ pipelines: [pipeline('every-second'), nightly, nightlyUtc], attempt: rec.attempt, retry: noRetry, logger });
    await sleep(3_200);
    await scheduler.stop();
    expect(rec.attempts.length).toBeGreaterThanOrEqual(2);
    expect(rec.attempts.length).toBeLessThanOrEqual(4);
    expect(rec.attempts.every((a) => a.pipeline === 'every-second')).toBe(true);
    expect(scheduler.skipped()).toEqual({});
    const next = (name: string) => String(lines.find((l) => l.msg === 'scheduled' && l.pipeline === name)?.next);
    expect(next('nightly')).toMatch(/T19:00:00\.000Z$/); // 03:00 in Shanghai (UTC+8)
    expect(next('nightly-utc')).toMatch(/T03:00:00\.000Z$/);
  });

  it('skips and logs the ticks that come while the previous sync of the pipeline is still going', async () => {
    const { logger, lines } = capturedLogger();
    const slow = recorder(2_500);
    const fast = recorder(10);
    const scheduler = startScheduler({ pipelines: [pipeline('slow'), pipeline('fast')], attempt: (p, n) => (p.name === 'slow' ? slow.attempt(p, n) : fast.attempt(p, n)), retry: noRetry, logger });
    await sleep(5_600);
    await scheduler.stop();

    expect(slow.mostAtOnce()).toBe(1);
    for (let i = 1; i < slow.attempts.length; i++) expect(slow.attempts[i]!.start).toBeGreaterThanOrEqual(slow.attempts[i - 1]!.end);
    expect(slow.attempts.length).toBeGreaterThanOrEqual(1);
    expect(slow.attempts.length).toBeLessThanOrEqual(3);
    const skipped = scheduler.skipped();
    expect(skipped.slow).toBeGreaterThanOrEqual(2);
    expect(skipped.fast).toBeUndefined(); // the other pipeline is not held up by the slow one's ticks
    expect(fast.attempts.length).toBeGreaterThanOrEqual(3);
    const skipLines = lines.filter((l) => l.msg === 'tick skipped: the previous sync of this pipeline is still going');
    expect(skipLines.length).toBe(skipped.slow);
    expect(skipLines.every((l) => l.pipeline === 'slow' && l.level === 40)).toBe(true);
  });

  it('retries a failed run with doubling delays, skipping ticks meanwhile, until it succeeds', async () => {
    const { logger, lines } = capturedLogger();
    const rec = recorder(10, (n) => (n <= 2 ? 'failed' : 'succeeded'));
    const scheduler = startScheduler({ pipelines: [pipeline('flaky')], attempt: rec.attempt, retry: { retries: 3, initialDelayMs: 300, maxDelayMs: 10_000 }, logger });
    for (let i = 0; i < 60 && rec.attempts.length < 3; i++) await sleep(100);
    await scheduler.stop();
    const [a, b, c] = rec.attempts;
    expect([a?.attempt, b?.attempt, c?.attempt]).toEqual([1, 2, 3]);
    expect(b!.start - a!.end).toBeGreaterThanOrEqual(295);
    expect(c!.start - b!.end).toBeGreaterThanOrEqual(595);
    const retries = lines.filter((l) => l.msg === 'run failed; retrying');
    expect(retries.map((l) => l.retryInMs)).toEqual([300, 600]);
  });

  it('gives up after the bounded retries and starts afresh at a later tick', async () => {
    const { logger, lines } = capturedLogger();
    const rec = recorder(10, () => 'failed');
    const scheduler = startScheduler({ pipelines: [pipeline('broken')], attempt: rec.attempt, retry: { retries: 2, initialDelayMs: 100, maxDelayMs: 100 }, logger });
    for (let i = 0; i < 60 && rec.attempts.length < 4; i++) await sleep(100);
    await scheduler.stop();
    expect(rec.attempts.slice(0, 4).map((a) => a.attempt)).toEqual([1, 2, 3, 1]);
    expect(lines.some((l) => l.msg === 'run failed; retries used up, waiting for the next tick' && l.attempts === 3)).toBe(true);
  });

  it('stop() waits for the sync going, and cancels a pending retry', async () => {
    const { logger } = capturedLogger();
    const rec = recorder(900);
    const scheduler = startScheduler({ pipelines: [pipeline('long')], attempt: rec.attempt, retry: noRetry, logger });
    for (let i = 0; i < 40 && scheduler.busy().length === 0; i++) await sleep(50);
    expect(scheduler.busy()).toEqual(['long']);
    await scheduler.stop();
    expect(rec.attempts).toHaveLength(1); // finished, not abandoned
    expect(scheduler.busy()).toEqual([]);
    await sleep(1_200);
    expect(rec.attempts).toHaveLength(1); // no tick after stop

    const failing = recorder(10, () => 'failed');
    const retrying = startScheduler({ pipelines: [pipeline('retrying')], attempt: failing.attempt, retry: { retries: 5, initialDelayMs: 60_000, maxDelayMs: 60_000 }, logger });
    for (let i = 0; i < 40 && failing.attempts.length === 0; i++) await sleep(50);
    const before = Date.now();
    await retrying.stop();
    expect(Date.now() - before).toBeLessThan(1_000);
    expect(failing.attempts).toHaveLength(1);
  });
});
