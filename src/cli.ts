#!/usr/bin/env node
/**
 * The onecode command line: sample | run | check | discover | push | deliver | serve | lookup | materials | query | audit |
 * export | catalogue | report | token | validate | status | encrypt-index.
 * Exit codes: 0 ok, 1 a run or the push failed, 2 bad usage or configuration. Errors are one clear line on
 * stderr; logs are pino JSON on stderr (ONECODE_LOG_LEVEL, default warn); results on stdout.
 */
import { createInterface } from 'node:readline';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
// Only what building the command line needs is imported here, all of it light: each command's
// action imports its own modules when it runs (`await import`), so that `onecode validate` loads
// no DuckDB, no Kafka client, no HTTP server and no workbook reader, and `onecode status` only
// DuckDB. tests/cli/compiled-cli.test.ts checks it; bench/startup.ts measures the start.
import { ConfigError, OnecodeError } from './errors.ts';
import type { IdentifierKind } from './identifiers/types.ts';
import { INDEX_KEY_FILE_VARIABLE } from './index/index-key.ts';
import { resolveDbPath } from './index/db-path.ts';
import type { Logger } from './logger.ts';
import type { OutputFormat } from './cli/output.ts';
import { errorTextWithoutValues, stackFrames } from './error-text.ts';
import { endQuietlyWhenOutputCloses, exitWhenFlushed } from './cli/process-end.ts';
import { ROLES, type Role } from './access/roles.ts';
import { TOKENS_FILE_VARIABLE } from './access/tokens-file-variable.ts';
import { CHECK_SAMPLE_ROWS } from './cli/check-sample.ts';
import { DEFAULT_RETRY_POLICY } from './serve/backoff.ts';
import { todayInChina } from './run/today-in-china.ts';
import type { RunSummary } from './run/run-pipeline.ts';
import { DEFAULT_SAMPLE_ROWS } from './discover/read-sample.ts';
import { ENTITY_KINDS, type EntityKind } from '../schemas/canonical.ts';

const positiveInt = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const seconds = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number of seconds`);
  return n;
};
const isoDate = (value: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('use YYYY-MM-DD');
  return value;
};

function program(): Command {
  const cli = new Command('onecode')
    .description('One-code index of natural persons and legal persons: extract, normalise, index, push deltas')
    .exitOverride()
    // usage errors as every other error: one line starting `onecode: ` (commander writes `error: `)
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(s.replace(/^error: /, 'onecode: ')) });
  const dbOption = () => new Option('--db <path>', 'index file (default: $ONECODE_DB or data/onecode.duckdb)');
  // pino is loaded by the commands that log, when they run
  const logger = async (level = 'warn'): Promise<Logger> => (await import('./logger.ts')).createLogger({ level: process.env.ONECODE_LOG_LEVEL ?? level });

  cli
    .command('sample')
    .description('generate the sample exports of five finance-department systems and its licence library (synthetic data)')
    .option('--out <dir>', 'output folder', 'data/sample')
    .option('--seed <n>', 'random seed', positiveInt('--seed'), 1)
    .option('--scale <n>', 'multiply row counts', positiveInt('--scale'), 1)
    .action(async (opts: { out: string; seed: number; scale: number }) => {
      const { generateSample } = await import('./sample/generate.ts');
      const manifest = await generateSample({ outDir: opts.out, seed: opts.seed, scale: opts.scale });
      for (const f of manifest.files) process.stdout.write(`${path.join(opts.out, f.path)}\t${f.rows} rows\t${f.format === 'xlsx' ? 'workbook' : f.encoding}\t${f.system}\n`);
    });

  cli
    .command('run')
    .description('run pipelines into the index (each in one transaction) and print the summary')
    .argument('[pipeline...]', 'pipeline names (file names in the pipelines folder)')
    .option('--all', 'run every pipeline')
    .option('--pipelines <dir>', 'folder of pipeline YAML files', 'pipelines')
    .addOption(dbOption())
    .option('--allow-deletes', 'let snapshots delete more than max_delete_share of a pipeline\'s records')
    .option('--run-date <date>', 'date birth dates are checked against (default: today, Asia/Shanghai)', isoDate)
    .option('--force', 'read a file source even when it is unchanged since the last successful run')
    .option('--sinks <dir>', 'folder of sink YAML files: a kafka.yaml there sets the feed the runs are pushed to (docs/sinks.md)', 'sinks')
    .option('--no-push', 'do not push the outbox at the end even when KAFKA_BROKERS is set or a Kafka sink is declared')
    .action(async (names: string[], opts: { all?: boolean; pipelines: string; sinks: string; db?: string; allowDeletes?: boolean; runDate?: string; force?: boolean; push: boolean }) => {
      if (!opts.all && names.length === 0) throw new ConfigError('usage', 'name the pipelines to run, or pass --all');
      const [{ choosePipelines }, { locallyOrThroughServe }] = await Promise.all([import('./cli/choose-pipelines.ts'), import('./cli/serve-client.ts')]);
      // One invalid pipeline file never stops the others: it is named (file:line: field) and makes the exit code 2.
      const { chosen, invalid } = await choosePipelines(opts.pipelines, { all: opts.all === true, names });
      const problems = invalid.flatMap((f) => f.problems);
      if (chosen.length === 0) throw new ConfigError('config_invalid', problems.length > 0 ? problems.join('\n') : `no pipeline files in ${opts.pipelines}/`);
      for (const line of problems) process.stderr.write(`onecode: ${line}\n`);
      // While `onecode serve --http` holds the index, the runs go through its job queue.
      const dbPath = resolveDbPath(opts.db);
      await locallyOrThroughServe(dbPath, async () => {
        const [{ kafkaFeedSettings }, { readSinkFolder }, { readFeedKey }, { openIndexForWriting }, { describeSource }, { runUntilCaughtUp }, { formatRunSummary }, { formatPushLine, PushFailedError, pushIndex }] = await Promise.all([
          import('./sinks/kafka-feed-settings.ts'), import('./sinks/sink-config.ts'), import('./push/feed-protection.ts'), import('./cli/open-index-for-cli.ts'), import('../connectors/index.ts'),
          import('./run/run-pipeline.ts'), import('./cli/summary.ts'), import('./cli/push-index.ts')]);
        const log = await logger();
        // The feed of a declared sinks/kafka.yaml, else KAFKA_BROKERS; a contradiction stops before any run.
        const kafka = opts.push ? kafkaFeedSettings(await readSinkFolder(opts.sinks)) : undefined;
        // A feed policy without its key stops before any run, not after the runs are committed.
        if (kafka?.feed !== undefined) await readFeedKey(kafka.feed);
        const index = await openIndexForWriting(dbPath);
        const progress = process.stderr.isTTY && !process.env.CI;
        const summaries: RunSummary[] = [];
        try {
          for (const pipeline of chosen) {
            // A glob with `files: every_new` loads one file per run, in name order: run until none is left.
            if (progress) process.stderr.write(`${pipeline.name}: reading ${describeSource(pipeline).label} …\n`);
            for await (const summary of runUntilCaughtUp({
              index, pipeline, logger: log, trigger: 'manual', allowDeletes: opts.allowDeletes, runDate: opts.runDate, force: opts.force,
              onProgress: progress ? (p) => process.stderr.write(`\r${pipeline.name}: ${p.rowsRead} rows read, ${p.unreadable} unreadable`) : undefined,
            })) {
              if (progress) process.stderr.write(`\r${pipeline.name}: ${summary.source ?? ''} ${summary.rowsRead} read, ${summary.quarantined} quarantined, ${summary.status}\n`);
              summaries.push(summary);
            }
          }
          const pending = Number((await index.connection.runAndReadAll(`SELECT count(*) FROM outbox WHERE published_at IS NULL AND parked_reason IS NULL`)).getRows()[0]![0]);
          process.stdout.write(formatRunSummary(summaries, pending));
          if (invalid.length > 0) process.stdout.write(`${invalid.length} pipeline file(s) invalid, not run: ${invalid.map((f) => f.file).join(', ')} (the problems are on stderr)\n`);
          for (const failed of summaries.filter((s) => s.status === 'failed')) {
            process.stderr.write(`onecode: ${failed.pipeline} failed (${failed.errorCode}): ${errorTextWithoutValues(failed.error ?? '')}\n`);
            process.exitCode = 1;
          }
          if (invalid.length > 0) process.exitCode = 2;
          // The runs are committed whatever the push does; a failed push leaves their events pending (exit 1).
          if (kafka !== undefined && pending > 0) {
            const report = await pushIndex({ connection: index.connection, kafka, logger: log }).catch((error: unknown) => {
              if (error instanceof PushFailedError) throw new OnecodeError('push_failed', `the runs above are committed; ${error.message}`, { cause: error });
              throw error;
            });
            process.stdout.write(formatPushLine(report, kafka));
          }
        } finally {
          index.close();
        }
      }, async (served) => {
        const { runThroughServe } = await import('./cli/through-serve.ts');
        await runThroughServe(served, chosen, { allowDeletes: opts.allowDeletes, runDate: opts.runDate, force: opts.force });
        if (invalid.length > 0) process.exitCode = 2;
      });
    });

  cli
    .command('discover')
    .description('read a sample of a source and print a proposed pipeline YAML (mapping guessed from headers and values; no value printed)')
    .argument('[pipeline]', 'an existing pipeline whose source to read (a file name in the pipelines folder)')
    .option('--connector <kind>', 'a new source: the connector kind (csv, ndjson, ...)')
    .option('--option <key=value>', 'a connector option, repeatable (--option path=data/x.csv --option encoding=gbk)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--system <name>', "the departmental system's name (default: TODO in the proposal)")
    .option('--name <name>', 'the new pipeline\'s name (default: from the file or table name)')
    .addOption(new Option('--entity <kind>', 'what a row is, instead of the guess (a licence pipeline is written by hand: docs/licences.md)').choices(ENTITY_KINDS.filter((k) => k !== 'licence')))
    .option('--rows <n>', 'rows to sample', positiveInt('--rows'), DEFAULT_SAMPLE_ROWS)
    .option('--pipelines <dir>', 'folder of pipeline YAML files (a new pipeline is taken to be <dir>/<name>.yaml)', 'pipelines')
    .option('--run-date <date>', 'date birth dates are checked against (default: today, Asia/Shanghai)', isoDate)
    .action(async (name: string | undefined, opts: { connector?: string; option: string[]; system?: string; name?: string; entity?: EntityKind; rows: number; pipelines: string; runDate?: string }) => {
      const { discover } = await import('./discover/discover-command.ts');
      const found = await discover({ pipeline: name, connector: opts.connector, options: opts.option, system: opts.system, name: opts.name,
        entity: opts.entity, rows: opts.rows, pipelines: opts.pipelines, runDate: opts.runDate, logger: await logger() });
      for (const line of found.notes) process.stderr.write(`${line}\n`);
      process.stdout.write(found.yaml);
    });

  cli
    .command('push')
    .description('publish the pending outbox events to Kafka (idempotent; prints one JSON line)')
    .addOption(dbOption())
    .option('--brokers <list>', 'bootstrap brokers host:port[,host:port] (default: $KAFKA_BROKERS)')
    .option('--topic-prefix <prefix>', 'topics <prefix>.person.v1, <prefix>.legal_person.v1, <prefix>.record.v1 (default: $ONECODE_TOPIC_PREFIX or onecode)')
    .option('--partitions <n>', 'partitions of topics created by the push (default: $ONECODE_TOPIC_PARTITIONS or 3)')
    .option('--feed-policy <policy>', 'what leaves per class of value, e.g. personal=pseudonymise,internal=clear (clear, mask, pseudonymise, drop; default: $ONECODE_FEED_POLICY, else all clear); the key: $ONECODE_PSEUDONYM_KEY_FILE')
    .option('--requeue-parked [seq...]', "re-queue parked events (every one without SEQ) once fixed, e.g. after raising the topic's max.message.bytes")
    .option('--skip-parked <seq...>', 'never publish these parked events (needs --reason); the events waiting behind them go on')
    .option('--reason <text>', 'why the parked events are skipped (recorded in the outbox)')
    .option('--by <name>', 'who re-queues or skips (recorded in the outbox; default: the OS user)')
    .action(async (opts: { db?: string; brokers?: string; topicPrefix?: string; partitions?: string; feedPolicy?: string; requeueParked?: true | string[]; skipParked?: string[]; reason?: string; by?: string }) => {
      const [{ locallyOrThroughServe }, { pushCommand }] = await Promise.all([import('./cli/serve-client.ts'), import('./cli/push-command.ts')]);
      await locallyOrThroughServe(resolveDbPath(opts.db),
        async () => pushCommand({ dbPath: resolveDbPath(opts.db), logger: await logger(), brokers: opts.brokers, topicPrefix: opts.topicPrefix, partitions: opts.partitions, feedPolicy: opts.feedPolicy,
          requeueParked: opts.requeueParked, skipParked: opts.skipParked, reason: opts.reason, by: opts.by }),
        async (served) => (await import('./cli/through-serve.ts')).pushThroughServe(served, { requeueParked: opts.requeueParked, skipParked: opts.skipParked, feedPolicy: opts.feedPolicy, brokers: opts.brokers, topicPrefix: opts.topicPrefix, partitions: opts.partitions }));
    });

  cli
    .command('deliver')
    .description('deliver the outbox to the sinks declared in the sinks folder (Kafka, exchange tables, drop folders), each from its own position; one JSON line per sink')
    .addOption(dbOption())
    .option('--sinks <dir>', 'folder of sink YAML files', 'sinks')
    .option('--sink <name...>', 'only these sinks (default: every declared sink)')
    .option('--parked', 'list the events parked for the one --sink (seq, entity, reason); deliver nothing')
    .option('--requeue <seq...>', 'deliver these events parked for the one --sink again (all: every one), once their cause is fixed')
    .option('--skip <seq...>', 'never deliver these events parked for the one --sink (needs --reason); the events waiting behind them go on')
    .option('--reason <text>', 'why the parked events are skipped (recorded in the index)')
    .option('--by <name>', 'who re-queues or skips (recorded in the index; default: the OS user)')
    .action(async (opts: { db?: string; sinks: string; sink?: string[]; parked?: boolean; requeue?: string[]; skip?: string[]; reason?: string; by?: string }) => {
      const { deliverCommand } = await import('./cli/deliver-command.ts');
      await deliverCommand({ dbPath: resolveDbPath(opts.db), sinksDir: opts.sinks, only: opts.sink ?? [], parked: opts.parked, requeue: opts.requeue, skip: opts.skip, reason: opts.reason, by: opts.by, logger: await logger() });
    });

  cli
    .command('serve')
    .description('run the pipelines that have a schedule, relay the outbox when KAFKA_BROKERS is set, serve the HTTP API with --http; stop with SIGINT/SIGTERM')
    .option('--pipelines <dir>', 'folder of pipeline YAML files', 'pipelines')
    .option('--sinks <dir>', 'folder of sink YAML files: the outbox is delivered to each (docs/sinks.md)', 'sinks')
    .addOption(dbOption())
    .option('--retries <n>', 'retries of a failed run, with doubling delays', positiveInt('--retries'), DEFAULT_RETRY_POLICY.retries)
    .option('--retry-delay <seconds>', 'delay before the first retry', seconds('--retry-delay'), DEFAULT_RETRY_POLICY.initialDelayMs / 1000)
    .option('--relay-interval <seconds>', 'pause between outbox pushes', seconds('--relay-interval'), 5)
    .option('--snapshot-interval <seconds>', 'least time between two snapshots for analysts', seconds('--snapshot-interval'), 0)
    .option('--http [address]', 'serve the HTTP API and web console at HOST:PORT (default 127.0.0.1:7373; tokens from $ONECODE_TOKENS_FILE)')
    .option('--http-public', 'let --http listen on an address that is not loopback (plain HTTP: put a TLS proxy in front)')
    .action(async (opts: { pipelines: string; sinks: string; db?: string; retries: number; retryDelay: number; relayInterval: number; snapshotInterval: number; http?: string | true; httpPublic?: boolean }) => {
      const { serveCommand } = await import('./cli/serve-command.ts');
      await serveCommand({
        pipelines: opts.pipelines,
        sinks: opts.sinks,
        dbPath: resolveDbPath(opts.db),
        logger: await logger('info'),
        retry: { retries: opts.retries, initialDelayMs: opts.retryDelay * 1000, maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs },
        relayIntervalMs: opts.relayInterval * 1000,
        snapshotIntervalMs: opts.snapshotInterval * 1000,
        http: opts.http,
        httpPublic: opts.httpPublic,
      });
    });

  cli
    .command('check')
    .description('what a run of one pipeline would do (counts, quarantine reasons, schema drift) on a sample of its source, writing nothing; and whether its catalogue entry agrees with its mapping')
    .argument('<pipeline>', 'pipeline name')
    .option('--pipelines <dir>', 'folder of pipeline YAML files', 'pipelines')
    .addOption(dbOption())
    .option('--rows <n>', `rows to read (default ${CHECK_SAMPLE_ROWS})`, positiveInt('--rows'))
    .option('--all-rows', 'read the whole source (predicts snapshot deletes too)')
    .option('--json', 'print JSON')
    .option('--run-date <date>', 'date birth dates are checked against (default: today, Asia/Shanghai)', isoDate)
    .action(async (name: string, opts: { pipelines: string; db?: string; rows?: number; allRows?: boolean; json?: boolean; runDate?: string }) => {
      const { checkCommand } = await import('./cli/check-command.ts');
      await checkCommand({ name, pipelines: opts.pipelines, dbPath: resolveDbPath(opts.db), logger: await logger(), sampleRows: opts.rows, all: opts.allRows === true, json: opts.json === true, runDate: opts.runDate });
    });

  const roleOption = () => new Option('--role <role>', 'the role to act with: what it may see (README "Who may see what")').choices(ROLES).default('steward');

  cli
    .command('lookup')
    .description('print one JSON document: the person or legal person and every linked record from every system (recorded in access_log)')
    .argument('<code>', 'resident identity number (18 or 15 digits), unified social credit code, organisation code or registration number')
    .addOption(roleOption())
    .addOption(dbOption())
    .action(async (code: string, opts: { role: Role; db?: string }) => {
      const [{ locallyOrThroughServe }, { lookupCommand }] = await Promise.all([import('./cli/serve-client.ts'), import('./cli/lookup-command.ts')]);
      await locallyOrThroughServe(resolveDbPath(opts.db),
        () => lookupCommand({ code, role: opts.role, dbPath: resolveDbPath(opts.db) }),
        async (served) => (await import('./cli/through-serve.ts')).lookupThroughServe(served, code, opts.role));
    });

  cli
    .command('materials')
    .description('already on file? for each licence type a service item needs, whether the licence library holds one valid today for the holder (JSON; recorded in access_log)')
    .requiredOption('--holder <code>', 'the holder: resident identity number, unified social credit code, a legacy code of either, or a licence identifier')
    .requiredOption('--needs <types>', 'licence type codes, comma-separated')
    .addOption(roleOption())
    .addOption(dbOption())
    .action(async (opts: { holder: string; needs: string; role: Role; db?: string }) => {
      const [{ locallyOrThroughServe }, { materialsCommand }] = await Promise.all([import('./cli/serve-client.ts'), import('./cli/materials-command.ts')]);
      await locallyOrThroughServe(resolveDbPath(opts.db),
        () => materialsCommand({ holder: opts.holder, needs: opts.needs, role: opts.role, dbPath: resolveDbPath(opts.db) }),
        async (served) => (await import('./cli/through-serve.ts')).materialsThroughServe(served, opts.holder, opts.needs, opts.role));
    });

  cli
    .command('query')
    .description('run one read-only SQL query on the index (the analyst views: persons, legal_persons, records, conflicts, lineage, relations, aliases, quarantine, runs, changes and the rest in the README; recorded in access_log)')
    .argument('<sql>', 'the query')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv', 'table']).default('table'))
    .addOption(roleOption())
    .addOption(dbOption())
    .action(async (sql: string, opts: { format: OutputFormat; role: Role; db?: string }) => {
      const [{ locallyOrThroughServe }, { queryCommand }] = await Promise.all([import('./cli/serve-client.ts'), import('./cli/query-command.ts')]);
      await locallyOrThroughServe(resolveDbPath(opts.db),
        () => queryCommand({ sql, format: opts.format, role: opts.role, dbPath: resolveDbPath(opts.db) }),
        async (served) => (await import('./cli/through-serve.ts')).queryThroughServe(served, sql, opts.format, opts.role));
    });

  cli
    .command('audit')
    .description('who looked at one person or legal person: every lookup or query in access_log that looked the code up or showed it')
    .requiredOption('--code <code>', 'the code, in any form or alias')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action(async (opts: { code: string; json?: boolean; db?: string }) => {
      const [{ locallyOrThroughServe }, { auditCommand }] = await Promise.all([import('./cli/serve-client.ts'), import('./cli/audit-command.ts')]);
      await locallyOrThroughServe(resolveDbPath(opts.db),
        async () => { await auditCommand({ code: opts.code, json: opts.json === true, dbPath: resolveDbPath(opts.db) }); },
        async (served) => (await import('./cli/through-serve.ts')).auditThroughServe(served, opts.code, opts.json === true));
    });

  cli
    .command('export')
    .description('write the analyst views as Parquet files for DuckDB, Spark or Trino elsewhere, with a manifest (rows, files, SM3); personal values under --policy (recorded in access_log)')
    .addOption(new Option('--format <format>', 'file format').choices(['parquet']).default('parquet'))
    .addOption(new Option('--partition-by <key>', 'one folder per region (province and city: the first 4 digits of the GB/T 2260 code in the one code)').choices(['region']))
    .option('--policy <policy>', 'what leaves per class of value, e.g. personal=pseudonymise (clear, mask, pseudonymise, drop; classes not named: public=clear,internal=clear,personal=mask; default $ONECODE_EXPORT_POLICY); the key: $ONECODE_PSEUDONYM_KEY_FILE')
    .option('--out <dir>', 'export folder (default: export/ beside the index)')
    .option('--views <list>', 'views to write, comma-separated (default: every analyst view)')
    .option('--overwrite', 'replace an earlier export in --out')
    .addOption(dbOption())
    .action(async (opts: { format: 'parquet'; partitionBy?: 'region'; policy?: string; out?: string; views?: string; overwrite?: boolean; db?: string }) => {
      const { exportCommand } = await import('./cli/export-command.ts');
      await exportCommand({ dbPath: resolveDbPath(opts.db), format: opts.format, partitionBy: opts.partitionBy, policy: opts.policy, out: opts.out, views: opts.views, overwrite: opts.overwrite });
    });

  cli
    .command('catalogue')
    .description("export the pipelines' resource catalogue entries (docs/catalogue.md): JSON, or CSV in the catalogue guide's columns")
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv']).default('json'))
    .option('--out <file>', 'write to this file instead of stdout (CSV then starts with a BOM, for Excel)')
    .option('--pipelines <dir>', 'folder of pipeline YAML files', 'pipelines')
    .action(async (opts: { format: 'json' | 'csv'; out?: string; pipelines: string }) => {
      const { catalogueCommand } = await import('./cli/catalogue-command.ts');
      await catalogueCommand({ pipelines: opts.pipelines, format: opts.format, out: opts.out });
    });

  cli
    .command('report')
    .description("what the department must fix: a run's quarantined rows and the pipeline's flagged values, grouped by reason, as a workbook and JSON; personal values under --policy (recorded in access_log)")
    .argument('<pipeline>', 'pipeline name')
    .option('--run <run_id>', "the run (default: the pipeline's latest successful run)")
    .option('--policy <policy>', 'what the recipient sees per class of value, e.g. personal=clear (clear, mask, pseudonymise, drop; classes not named: public=clear,internal=clear,personal=mask); the key: $ONECODE_PSEUDONYM_KEY_FILE')
    .option('--out <dir>', 'report folder (default: reports/ beside the index)')
    .option('--pipelines <dir>', 'folder of pipeline YAML files', 'pipelines')
    .addOption(dbOption())
    .action(async (name: string, opts: { run?: string; policy?: string; out?: string; pipelines: string; db?: string }) => {
      const { reportCommand } = await import('./cli/report-command.ts');
      await reportCommand({ pipeline: name, pipelines: opts.pipelines, dbPath: resolveDbPath(opts.db), runId: opts.run, policy: opts.policy, out: opts.out });
    });

  const token = cli.command('token').description(`API tokens, in the file named by ${TOKENS_FILE_VARIABLE} (kept as SM3 digests)`);
  token
    .command('add')
    .description('add a token and print it, this once')
    .argument('<name>', 'who the token is for (a person or a system)')
    .addOption(new Option('--role <role>', 'its role').choices(ROLES).makeOptionMandatory())
    .action(async (name: string, opts: { role: Role }) => (await import('./cli/token-command.ts')).tokenAdd(name, opts.role));
  token
    .command('list')
    .description('list the tokens: name, role, created_at')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => (await import('./cli/token-command.ts')).tokenList(opts.json === true));
  token
    .command('revoke')
    .description('revoke the token of a name')
    .argument('<name>', 'the token\'s name')
    .action(async (name: string) => (await import('./cli/token-command.ts')).tokenRevoke(name));

  cli
    .command('validate')
    .description('classify identifiers given as arguments or stdin lines; prints one JSON line each')
    .argument('[value...]', 'values (default: read lines from stdin)')
    .addOption(new Option('--kind <kind>', 'force the kind where the shape is ambiguous').choices(['resident_id', 'uscc', 'org_code', 'business_reg_no', 'foreign_permanent_residence_2017']))
    .option('--run-date <date>', 'date birth dates are checked against (default: today, Asia/Shanghai)', isoDate)
    .action(async (values: string[], opts: { kind?: IdentifierKind; runDate?: string }) => {
      const { classify } = await import('./identifiers/classify.ts');
      const runDate = opts.runDate ?? todayInChina();
      const emit = (v: string): void => {
        const r = classify(v, { kind: opts.kind, runDate });
        process.stdout.write(JSON.stringify({ input: v, kind: r.kind, status: r.status, normalized: r.normalized, reasons: r.reasons, ...(r.alternatives?.length ? { alternatives: r.alternatives } : {}), ...(r.alias ? { alias: r.alias } : {}), ...(r.subtype ? { subtype: r.subtype } : {}) }) + '\n');
      };
      if (values.length > 0) values.forEach(emit);
      else for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) if (line.trim() !== '') emit(line);
    });

  cli
    .command('status')
    .description('what the index holds: entities, records per system, quarantine by reason, outbox, recent runs')
    .addOption(dbOption())
    .option('--json', 'print JSON')
    .action(async (opts: { db?: string; json?: boolean }) => {
      const [{ openIndexUnlessHeld, openIndexForReading }, { readStatus, formatStatus }] = await Promise.all([import('./cli/open-index-for-cli.ts'), import('./cli/status.ts')]);
      const dbPath = resolveDbPath(opts.db);
      // status reads the views only: no identifier macros (open-index.ts)
      const reading = { identifierMacros: false };
      const print = async (index: Awaited<ReturnType<typeof openIndexForReading>>): Promise<void> => {
        try {
          const status = await readStatus(index.connection);
          process.stdout.write(opts.json ? JSON.stringify(status, (await import('./cli/output.ts')).jsonSafe, 2) + '\n' : formatStatus(status));
        } finally {
          index.close();
        }
      };
      // Nothing holds the index (the common case): one open. Else as every command: through a
      // serve --http that holds it, or its snapshot (open-index-for-cli.ts).
      const free = await openIndexUnlessHeld(dbPath, reading);
      if (free !== undefined) return print(free);
      const { locallyOrThroughServe } = await import('./cli/serve-client.ts');
      await locallyOrThroughServe(dbPath, async () => print(await openIndexForReading(dbPath, undefined, reading)),
        async (served) => (await import('./cli/through-serve.ts')).statusThroughServe(served, opts.json === true));
    });

  cli
    .command('encrypt-index')
    .description(`encrypt a plain index in place with the key in $${INDEX_KEY_FILE_VARIABLE} (docs/security.md); stop serve first`)
    .addOption(dbOption())
    .action(async (opts: { db?: string }) => {
      const [{ readIndexKey }, { encryptIndex }] = await Promise.all([import('./index/index-key.ts'), import('./index/encrypt-index.ts')]);
      const key = await readIndexKey();
      if (key === undefined) throw new ConfigError('usage', `set ${INDEX_KEY_FILE_VARIABLE} to a key file (openssl rand -hex 32 > FILE; chmod 600 FILE) to encrypt the index with`);
      const dbPath = resolveDbPath(opts.db);
      const { bytes } = await encryptIndex(dbPath, key);
      process.stdout.write(`${dbPath}: encrypted with the key in ${key.file} (${bytes} bytes); keep ${INDEX_KEY_FILE_VARIABLE} set for every onecode command on it\n`);
    });
  return cli;
}

/**
 * Runs the CLI; resolves to the exit code. Errors are printed as one line per problem on stderr,
 * each starting `onecode: `; an unexpected error as one line whose text cannot carry a value of the
 * index (src/error-text.ts), with its stack frames (not its text) only at ONECODE_LOG_LEVEL=debug
 * or trace.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof OnecodeError) {
      for (const line of error.message.split('\n')) process.stderr.write(`onecode: ${line}\n`);
      return error.exitCode;
    }
    process.stderr.write(`onecode: internal error: ${errorTextWithoutValues(error)}\n`);
    // the frames only: the stack's first line is the message, which can quote a value
    if (/^(debug|trace)$/.test(process.env.ONECODE_LOG_LEVEL ?? '')) process.stderr.write(`${stackFrames(error).join('\n')}\n`);
    return 1;
  }
}

/**
 * The process's entry point (bin/onecode.js, `tsx src/cli.ts`): runs {@link main}, then exits with
 * its code once stdout and stderr are flushed, so output through a pipe arrives whole; a reader
 * closing the pipe ends the process quietly (cli/process-end.ts).
 */
export async function runCli(argv: string[]): Promise<never> {
  endQuietlyWhenOutputCloses();
  return exitWhenFlushed(await main(argv));
}

const invokedDirectly = process.argv[1] && /cli\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) await runCli(process.argv.slice(2));
