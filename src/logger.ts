import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Keys whose values are personal data. They are censored wherever they appear in a log object,
 * as a second line of defence: code should not log such values in the first place
 * (ARCHITECTURE.md, "Personal data stays in its place").
 */
const PERSONAL_KEYS = [
  'id_number', 'name', 'phone', 'uscc', 'code', 'raw', 'payload', 'value', 'input',
  'legal_representative', 'legal_representative_id_number', 'before', 'after',
];

/**
 * Creates the process logger: pino JSON lines on stderr (fd 2), so stdout stays for command
 * output. Level from ONECODE_LOG_LEVEL (default `info`; `silent` turns it off).
 * @param destination optional stream for tests; defaults to stderr.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.ONECODE_LOG_LEVEL ?? 'info';
  const redact = { paths: PERSONAL_KEYS.flatMap((k) => [k, `*.${k}`]), censor: '[redacted]' };
  return pino({ level, redact, base: { app: 'onecode' } }, (options.destination ?? pino.destination(2)) as pino.DestinationStream);
}
