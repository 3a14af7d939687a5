/**
 * What the API's routes share: the read connections, the pipelines serve knows, the operations
 * that go through serve's job queue, the logger.
 */
import type { Pipeline } from '../../schemas/pipeline.ts';
import type { Logger } from '../logger.ts';
import type { LimitedAction, RateLimiter } from '../access/rate-limit.ts';
import type { ExitPolicy } from '../protect/policy.ts';
import type { ReadPool } from './read-pool.ts';

/** The writes the API asks serve for; each goes through serve's job queue. */
export interface ServeOperations {
  /**
   * Queues a run of `pipeline` now (recorded with trigger `api`); a run of it already waiting for
   * its turn (not started) is not queued twice: the same job is answered.
   * @returns the job's label (`run <name>`) and its id (`job_id`, for {@link jobOf}).
   * @throws OnecodeError `serve_stopping` when serve no longer starts jobs.
   */
  triggerRun(pipeline: Pipeline): { job: string; job_id: string };
  /** A run job asked for through the API, by its id: while it waits, runs and once it has ended (the latest 1,000 are kept). */
  jobOf(id: string): RunJob | undefined;
  /**
   * Asks the relay to push the outbox as soon as the index is free; undefined when serve has no
   * broker (KAFKA_BROKERS unset).
   */
  push?: () => void;
  /** Jobs waiting for their turn on the index (runs, pushes, snapshots). */
  jobsWaiting(): number;
}

/**
 * A run job asked for through the API: `waiting`, `running`, then `ended` (its runs were recorded,
 * succeeded or failed: see their rows), `failed` (it threw before or between its runs; `error_code`
 * says why) or `cancelled` (serve stopped before it started).
 */
export interface RunJob {
  job_id: string;
  job: string;
  pipeline: string;
  state: 'waiting' | 'running' | 'ended' | 'failed' | 'cancelled';
  /** The runs it recorded, in order: one, or one per file of a `files: every_new` catch-up. */
  run_ids: string[];
  error_code: string | null;
}

/** The context of every route. */
export interface ApiContext {
  reads: ReadPool;
  /** Every valid pipeline of serve's folder, scheduled or not, by name. */
  pipelines: ReadonlyMap<string, Pipeline>;
  operations: ServeOperations;
  logger: Logger;
  /** Environment read for the analyst policy and the pseudonym key (roles.ts, key-file.ts). */
  env: NodeJS.ProcessEnv;
  /** The pseudonymisation key a policy needs (read once, when the server is made), or undefined. */
  keyFor(policy: ExitPolicy): Buffer | undefined;
  /** Per-principal limits on lookups and queries of every role but steward (src/access/rate-limit.ts). */
  limits: Readonly<Record<LimitedAction, RateLimiter>>;
}
