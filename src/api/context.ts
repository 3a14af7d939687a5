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
   * its turn (not started) is not queued twice.
   * @returns the job's label (`run <name>`).
   * @throws OnecodeError `serve_stopping` when serve no longer starts jobs.
   */
  triggerRun(pipeline: Pipeline): string;
  /**
   * Asks the relay to push the outbox as soon as the index is free; undefined when serve has no
   * broker (KAFKA_BROKERS unset).
   */
  push?: () => void;
  /** Jobs waiting for their turn on the index (runs, pushes, snapshots). */
  jobsWaiting(): number;
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
