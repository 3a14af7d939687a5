/**
 * serve's one delivery loop (src/serve/delivery-loop.ts) on a real job queue: each target on its
 * own timer and backoff, so a target that keeps failing holds no other; a target that halts is not
 * tried again; a delivery gives way to a run waiting for the index and goes on at once after it.
 */
import { expect, it } from 'vitest';
import { pino } from 'pino';
import { startDeliveryLoop, type DeliveryTarget } from '../../src/serve/delivery-loop.ts';
import { createJobQueue } from '../../src/serve/job-queue.ts';
import { SinkError } from '../../src/sinks/sink.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('backs off a failing target on its own, stops a halted one, and gives way to a waiting run', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const queue = createJobQueue();
  const calls = { down: 0, up: 0, halted: 0, closed: 0 };
  let gaveWay = 0;
  let inJob = false;
  /** When each of up's turns on the index began. */
  const upCalls: number[] = [];
  const down: DeliveryTarget = {
    name: 'down',
    deliver: async (turn) => {
      calls.down += 1;
      await turn.onIndex('down', async () => {
        throw new SinkError('TARGET_UNAVAILABLE', 'file sink down: reading the drop folder failed (ENOENT)', { retriable: true });
      });
    },
    close: async () => void (calls.closed += 1),
  };
  const up: DeliveryTarget = {
    name: 'up',
    deliver: async (turn) => {
      calls.up += 1;
      await turn.onIndex('up', async () => {
        upCalls.push(Date.now());
        inJob = true;
        try {
          for (let batch = 0; batch < 3; batch++) {
            await sleep(20);
            turn.settled(1);
            try {
              turn.giveWay();
            } catch (error) {
              gaveWay += 1;
              throw error;
            }
          }
        } finally {
          inJob = false;
        }
      });
    },
    close: async () => {},
  };
  const halting: DeliveryTarget = {
    name: 'halting',
    deliver: async () => {
      calls.halted += 1;
      throw new Error('no retry can succeed');
    },
    onFailure: () => 'halt',
    close: async () => {},
  };
  let settledCalls = 0;
  const loop = startDeliveryLoop({ queue, targets: [down, up, halting], logger, intervalMs: 300, onSettled: () => void (settledCalls += 1) });
  await sleep(1_300);
  // A run waiting for the index while 'up' delivers: it gives way after its batch, and goes on at once after the run, not an interval later.
  while (!inJob) await sleep(2);
  await queue.run('run', () => sleep(100));
  const runEnded = Date.now();
  await sleep(200);
  await loop.stop();
  await queue.close();

  expect(calls.halted).toBe(1);
  // A failing target waits its interval, at least 1 s, then twice as long (up to maxBackoffMs): meanwhile the other goes on.
  expect(calls.down).toBe(2);
  expect(calls.closed).toBeGreaterThanOrEqual(2);
  expect(calls.up).toBeGreaterThanOrEqual(4);
  expect(settledCalls).toBe(calls.up);
  expect(gaveWay).toBe(1);
  const next = upCalls.find((t) => t >= runEnded);
  expect(next).toBeDefined();
  expect(next! - runEnded).toBeLessThan(150);
  const failed = lines.filter((l) => l.msg === 'delivery failed; will try again');
  expect(failed.map((l) => [l.sink, l.code, l.retriable, l.failures, l.retryInMs])).toEqual([['down', 'TARGET_UNAVAILABLE', true, 1, 1_000], ['down', 'TARGET_UNAVAILABLE', true, 2, 2_000]]);
});
