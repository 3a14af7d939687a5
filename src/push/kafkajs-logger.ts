/**
 * Routes kafkajs' own log lines into a pino logger (child `component: 'kafkajs'`).
 *
 * kafkajs logs at ERROR many conditions it then retries by itself (a coordinator still loading, a
 * leader moving, a refused connection); they are logged here at `info`, so the CLI's default
 * `warn` level shows the one error line a failed push ends with, not a screen of retries. Failures that stop a push surface as
 * {@link PushError}s from the publisher and are logged by the caller. kafkajs' warning about limited
 * idempotent retries is logged at `debug`: the limit is deliberate (see PublisherOptions.retry).
 */
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/** A kafkajs `logCreator` writing to `logger` (ERROR, WARN and INFO → info, DEBUG → debug). */
export function kafkajsLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const entry = { namespace, ...fields };
      // Retries are limited on purpose (publisher.ts: a failed push is run again and reconciled).
      if (String(message).startsWith('Limiting retries for the idempotent producer')) child.debug(entry, message);
      else if (level === logLevel.ERROR || level === logLevel.WARN || level === logLevel.INFO) child.info(entry, message);
      else child.debug(entry, message);
    };
}
