import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY_POLICY, retryDelay } from '../../src/serve/backoff.ts';
import { createJobQueue, JobCancelledError } from '../../src/serve/job-queue.ts';
import { scheduledPipelines } from '../../src/serve/scheduled-pipelines.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';

describe('backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    const policy = { initialDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, policy))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('retries a failed run a bounded number of times', () => {
    const policy = { retries: 2, initialDelayMs: 30_000, maxDelayMs: 45_000 };
    expect([1, 2, 3].map((attempt) => retryDelay(policy, attempt))).toEqual([30_000, 45_000, undefined]);
    expect(retryDelay({ ...policy, retries: 0 }, 1)).toBeUndefined();
    expect([1, 2, 3, 4].map((a) => retryDelay(DEFAULT_RETRY_POLICY, a))).toEqual([30_000, 60_000, 120_000, undefined]);
  });
});

describe('job queue', () => {
  it('runs one job at a time, in order, and passes results and errors through', async () => {
    const queue = createJobQueue();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const job = (label: string, ms: number, fail = false) =>
      queue.run(label, async () => {
        running += 1;
        most = Math.max(most, running);
        log.push(`start ${label}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${label}`);
        running -= 1;
        if (fail) throw new Error(`${label} failed`);
        return label;
      });
    const results = await Promise.allSettled([job('a', 30), job('b', 5, true), job('c', 10)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b failed', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(most).toBe(1);
  });

  it('close() lets the running job finish and cancels the waiting ones', async () => {
    const queue = createJobQueue();
    let finished = false;
    const first = queue.run('first', async () => {
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
      return 1;
    });
    const second = queue.run('second', async () => 2).catch((error: unknown) => error);
    expect(queue.waiting()).toBe(1);
    expect(queue.current()).toBe('first');
    await queue.close();
    expect(finished).toBe(true);
    await expect(first).resolves.toBe(1);
    expect(await second).toBeInstanceOf(JobCancelledError);
    await expect(queue.run('late', async () => 3)).rejects.toBeInstanceOf(JobCancelledError);
  });
});

describe('scheduledPipelines', () => {
  const pipeline = (extra: Partial<Pipeline>): Pipeline => ({ name: 'p', file: '/x/p.yaml', timezone: 'Asia/Shanghai', ...extra }) as Pipeline;

  it('keeps the pipelines with a schedule, 5 or 6 fields', () => {
    const chosen = scheduledPipelines([pipeline({ name: 'a', schedule: '0 2 * * *' }), pipeline({ name: 'b' }), pipeline({ name: 'c', schedule: '*/10 * * * * *' })]);
    expect(chosen.map((p) => p.name)).toEqual(['a', 'c']);
  });

  it('names the file of a bad schedule or time zone', () => {
    expect(() => scheduledPipelines([pipeline({ schedule: '61 * * * *' })])).toThrow(/\/x\/p\.yaml: schedule: '61 \* \* \* \*' is not a cron expression/);
    expect(() => scheduledPipelines([pipeline({ schedule: '0 2 * * *', timezone: 'Mars/Olympus' })])).toThrow(/\/x\/p\.yaml: timezone: 'Mars\/Olympus' is not an IANA time zone/);
  });
});
