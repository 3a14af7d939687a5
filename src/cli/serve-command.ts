/**
 * `onecode serve`: loads the pipelines, opens the index, serves until SIGINT or SIGTERM.
 *
 * The first signal stops cleanly: the run going finishes (each run is one transaction), nothing new
 * starts, the index is closed, exit code 0. A second signal exits at once (exit code 130): the run
 * going is then rolled back by DuckDB (its `runs` row stays `running`).
 */
import { createTokenVerifier, readTokenFile, tokensFileOf, TOKENS_FILE_VARIABLE } from '../access/tokens.ts';
import { parseListenAddress } from '../api/listen-address.ts';
import { readPipelineFolder } from '../config/load-pipelines.ts';
import { ConfigError, OnecodeError } from '../errors.ts';
import type { OpenIndex } from '../index/open-index.ts';
import type { Logger } from '../logger.ts';
import type { RetryPolicy } from '../serve/backoff.ts';
import { checkSchedules } from '../serve/scheduled-pipelines.ts';
import { startServe, type ServeHttpOptions } from '../serve/serve.ts';
import { readFeedKey } from '../push/feed-protection.ts';
import { openIndexForWriting } from './open-index-for-cli.ts';
import { kafkaFeedSettings } from '../sinks/kafka-feed-settings.ts';
import { readSinkFolder } from '../sinks/sink-config.ts';

/** Options of {@link serveCommand}, from the command line. */
export interface ServeCommandOptions {
  pipelines: string;
  /** Folder of sink files (src/sinks/); default `sinks`. A missing folder is no sinks. */
  sinks?: string;
  dbPath: string;
  logger: Logger;
  retry: RetryPolicy;
  relayIntervalMs: number;
  snapshotIntervalMs: number;
  /** `--http [HOST:PORT]`: serve the HTTP API (true: the default address); undefined: no HTTP. */
  http?: string | true;
  /** `--http-public`: let `--http` name a host that is not loopback. */
  httpPublic?: boolean;
  /** Environment (ONECODE_TOKENS_FILE, KAFKA_BROKERS, …). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Serves until a signal; resolves when stopped cleanly. Invalid pipeline files (and pipelines with a
 * bad schedule) are logged at error level, one entry per file, and left out; the others are served:
 * those with a schedule on it, and all of them through the API (`--http`), which can run any now.
 * @throws ConfigError (exit 2, before the index is opened) `nothing_to_serve` when no valid
 *   pipeline has a schedule, no broker is configured and there is no `--http` (its lines name every
 *   invalid file first); for `--http`: what parseListenAddress throws, `tokens_file_unset` when
 *   ONECODE_TOKENS_FILE is not set, what readTokenFile throws for a bad token file;
 *   `http_listen_failed` when the address is taken; `feed_policy_needs_key` and the key file's
 *   errors when the feed policy cannot be applied; `brokers_env_missing` and `kafka_config_invalid`
 *   for a declared Kafka sink whose settings cannot be read (src/sinks/kafka-sink.ts),
 *   `kafka_config_conflict` when it and the environment set the feed differently, `kafka_sink_invalid`
 *   for an invalid `kafka.yaml` (src/sinks/kafka-feed-settings.ts).
 */
export async function serveCommand(options: ServeCommandOptions): Promise<void> {
  const { logger } = options;
  const env = options.env ?? process.env;
  const httpSettings = options.http === undefined ? undefined : await httpOptions(options.http, options.httpPublic === true, env);
  // One invalid pipeline file never stops serve: it serves the valid ones and logs every invalid one.
  const folder = await readPipelineFolder(options.pipelines);
  const { scheduled: pipelines, invalid: badSchedules } = checkSchedules(folder.pipelines);
  const problems = [...folder.invalid.map((f) => ({ file: f.file, problems: f.problems })), ...badSchedules.map((b) => ({ file: b.pipeline.file, problems: [b.problem] }))];
  // Invalid sink files are logged and left out, as invalid pipeline files are.
  const sinkFolder = await readSinkFolder(options.sinks ?? 'sinks');
  for (const line of sinkFolder.problems) logger.error({ problem: line }, 'invalid sink file: not delivered to');
  // A declared Kafka sink is the Kafka feed (its brokers variable, prefix and policy); else KAFKA_BROKERS as before.
  const kafka = kafkaFeedSettings(sinkFolder, env);
  if (pipelines.length === 0 && kafka === undefined && httpSettings === undefined && sinkFolder.sinks.length === 0) {
    const lines = problems.flatMap((p) => p.problems);
    const what = lines.length > 0 ? 'has a valid schedule' : 'has a schedule';
    throw new ConfigError('nothing_to_serve', [...lines, `no pipeline in ${options.pipelines}/ ${what}, KAFKA_BROKERS is not set and there is no --http: nothing to serve (add e.g. "schedule: '0 2 * * *'" to a pipeline)`].join('\n'));
  }
  for (const p of problems) logger.error({ file: p.file, problems: p.problems }, 'invalid pipeline file: not served');
  if (pipelines.length === 0) logger.warn({ pipelines: options.pipelines }, httpSettings ? 'no pipeline has a schedule: runs start through the API only' : 'no pipeline has a schedule: relaying the outbox only');
  if (httpSettings?.tokenCount === 0) logger.warn({ variable: TOKENS_FILE_VARIABLE }, 'the token file holds no token yet: every API request gets 401 until one is added (onecode token add NAME --role ROLE)');
  // A pipeline whose schedule is invalid is left out of the API too: its file is reported invalid.
  const servable = folder.pipelines.filter((p) => !badSchedules.some((b) => b.pipeline === p));
  // A feed policy without its key stops serve now, not every relay cycle.
  if (kafka?.feed !== undefined) await readFeedKey(kafka.feed);

  const index = await openWithPatience(options.dbPath);
  const serve = await startServe({
    index, dbPath: options.dbPath, pipelines, logger, kafka, sinks: sinkFolder.sinks, retry: options.retry, relayIntervalMs: options.relayIntervalMs, snapshotIntervalMs: options.snapshotIntervalMs,
    ...(httpSettings ? { http: { address: httpSettings.address, tokens: httpSettings.tokens, env, pipelines: servable } } : {}),
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now; the run going is rolled back');
      process.exit(130);
    }
    void serve.stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await serve.stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The HTTP settings of `--http`: the address (loopback unless `--http-public`) and the token file,
 * which must be named (ONECODE_TOKENS_FILE) and readable before serve starts; an empty or absent
 * file is allowed (tokens can be added while serve runs: the file is re-read when it changes).
 */
async function httpOptions(value: string | true, allowPublic: boolean, env: NodeJS.ProcessEnv): Promise<Omit<ServeHttpOptions, 'pipelines'> & { tokenCount: number }> {
  const address = parseListenAddress(value, { allowPublic });
  let file: string;
  try {
    file = tokensFileOf(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.code, `--http needs API tokens: ${error.message}`);
    throw error;
  }
  const tokenCount = (await readTokenFile(file)).length;
  return { address, tokens: createTokenVerifier(file), env, tokenCount };
}

/**
 * Opens the index for writing, waiting up to 10 s while it is locked: an analyst's command may have
 * it open for reading for a moment. Another serve or a `run` going is reported at once by the error.
 */
async function openWithPatience(dbPath: string): Promise<OpenIndex> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await openIndexForWriting(dbPath);
    } catch (error) {
      const locked = error instanceof OnecodeError && error.code === 'index_locked';
      if (!locked || /onecode serve/.test(error.message) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
