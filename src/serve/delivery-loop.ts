/**
 * The delivery loop of `onecode serve`: one loop for every delivery target, the Kafka feed
 * (src/sinks/kafka-sink.ts) and each declared sink (src/sinks/sink-target.ts). Each target has its
 * own timer and its own backoff, so one target being down holds neither Kafka nor another sink.
 *
 * Every `intervalMs`, and at once when kicked after a run that wrote events, a target delivers in
 * its turn on the index (the job queue). A delivery gives way between batches when a run is
 * waiting for the index or serve is stopping (what was settled stays settled; the rest goes at
 * once after the run). After a failure the target waits with backoff (`intervalMs` at least 1 s,
 * doubling up to `maxBackoffMs`) and tries again for as long as serve runs, after `close()` has
 * let go of its connection. A target may instead halt for good (Kafka's FEED_POLICY_CHANGED: no
 * retry can succeed until serve restarts with other settings); it logs why itself.
 */
import type { Logger } from '../logger.ts';
import { backoffDelay } from './backoff.ts';
import { JobCancelledError, type JobQueue } from './job-queue.ts';

/** What a target gets for one delivery. */
export interface DeliveryTurn {
  /** Runs `work` in its turn on the index; stop() waits for it. */
  onIndex<T>(label: string, work: () => Promise<T>): Promise<T>;
  /** Between batches: throws {@link GiveWay} when a run waits for the index or serve is stopping. */
  giveWay(): void;
  /** True once serve is stopping (a target connecting outside the index closes what it opened). */
  stopping(): boolean;
  /** Counts events settled (delivered, parked, held): serve refreshes its snapshot after a turn that settled some. */
  settled(events: number): void;
}

/** A delivery target of the loop. */
export interface DeliveryTarget {
  /** The sink's name (`kafka` for the Kafka feed): in every log line of the loop. */
  readonly name: string;
  /** One delivery of what is waiting; throws to fail (the loop backs off). */
  deliver(turn: DeliveryTurn): Promise<void>;
  /** Whether a failure is worth retrying; `halt` stops this target until serve restarts. Default `retry`. */
  onFailure?(error: unknown): 'retry' | 'halt';
  /** Lets go of the target's connection (after a failure, and when the loop stops). */
  close(): Promise<void>;
}

/** Thrown by {@link DeliveryTurn.giveWay} to end a delivery between batches. */
export class GiveWay extends Error {
  constructor() {
    super('giving way to a run waiting for the index');
    this.name = 'GiveWay';
  }
}

/** Options of {@link startDeliveryLoop}. */
export interface DeliveryLoopOptions {
  queue: JobQueue;
  targets: readonly DeliveryTarget[];
  /** Parent logger; the loop logs as child `component: 'delivery-loop'`. */
  logger: Logger;
  /** Pause between deliveries when all went well, in ms. Default 5,000. */
  intervalMs?: number;
  /** Longest pause after failures, in ms. Default 60,000. */
  maxBackoffMs?: number;
  /** Called after a delivery that settled at least one event (serve refreshes the snapshot). */
  onSettled?: () => void;
}

/** A running delivery loop. */
export interface DeliveryLoop {
  /** Delivers as soon as the index is free instead of at the next interval: every target, or the one named. */
  kick(name?: string): void;
  /** Stops: a delivery going gives way after its current batch; resolves when it has and every target is closed. */
  stop(): Promise<void>;
}

/** Starts the loop; every target's first delivery is attempted at once. */
export function startDeliveryLoop(options: DeliveryLoopOptions): DeliveryLoop {
  const logger = options.logger.child({ component: 'delivery-loop' });
  const intervalMs = options.intervalMs ?? 5_000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const { queue } = options;
  let stopping = false;

  const loops = options.targets.map((target) => {
    let failures = 0;
    let timer: NodeJS.Timeout | undefined;
    let cycle: Promise<void> | undefined;
    /** The target's job on the index, while it is queued or running. */
    let onIndex: Promise<unknown> | undefined;
    let kicked = false;
    let halted = false;

    const turn = (count: { settled: number }): DeliveryTurn => ({
      onIndex: <T>(label: string, work: () => Promise<T>): Promise<T> => {
        const job = queue.run(label, work);
        const tracked: Promise<unknown> = job.then(() => undefined, () => undefined).finally(() => {
          if (onIndex === tracked) onIndex = undefined;
        });
        onIndex = tracked;
        return job;
      },
      giveWay: () => {
        if (stopping || queue.waiting() > 0) throw new GiveWay();
      },
      stopping: () => stopping,
      settled: (events) => {
        count.settled += events;
      },
    });

    const runCycle = async (): Promise<void> => {
      kicked = false;
      const count = { settled: 0 };
      let pause = intervalMs;
      try {
        await target.deliver(turn(count));
        failures = 0;
      } catch (error) {
        if (error instanceof JobCancelledError) return;
        if (error instanceof GiveWay) {
          failures = 0;
          pause = 0;
        } else if ((target.onFailure?.(error) ?? 'retry') === 'halt') {
          halted = true;
          await target.close().catch(() => undefined);
        } else {
          failures += 1;
          pause = backoffDelay(failures, { initialDelayMs: Math.max(intervalMs, 1_000), maxDelayMs: maxBackoffMs });
          logger.warn({ sink: target.name, ...failureFields(error), failures, retryInMs: pause }, 'delivery failed; will try again');
          await target.close().catch(() => undefined);
        }
      }
      if (count.settled > 0) options.onSettled?.();
      if (halted) return;
      if (kicked && failures === 0) pause = 0;
      schedule(pause);
    };

    const schedule = (ms: number): void => {
      if (stopping || halted) return;
      timer = setTimeout(() => {
        timer = undefined;
        cycle = runCycle().finally(() => {
          cycle = undefined;
        });
      }, ms);
    };

    return {
      name: target.name,
      start: () => schedule(0),
      kick: () => {
        if (stopping || halted) return;
        if (cycle !== undefined) {
          kicked = true; // the delivery going may have read the outbox before the run committed
          return;
        }
        if (timer !== undefined && failures === 0) {
          clearTimeout(timer);
          schedule(0);
        }
      },
      stop: async () => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        await onIndex;
        await target.close().catch(() => undefined);
      },
    };
  });

  for (const l of loops) l.start();
  return {
    kick: (name) => {
      for (const l of loops) if (name === undefined || l.name === name) l.kick();
    },
    stop: async () => {
      stopping = true;
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}

/** A failure as log fields: its stable code, whether retrying may help and its message (errors of the targets carry no values), else the error. */
function failureFields(error: unknown): Record<string, unknown> {
  const e = error as { code?: unknown; retriable?: unknown; message?: unknown };
  return error instanceof Error && typeof e.code === 'string'
    ? { code: e.code, ...(typeof e.retriable === 'boolean' ? { retriable: e.retriable } : {}), message: e.message }
    : { err: error };
}
