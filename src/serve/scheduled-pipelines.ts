/**
 * The pipelines `onecode serve` schedules: those whose YAML has a `schedule`. Their cron
 * expressions and time zones are checked before anything starts, so a typo fails at startup with
 * the file's name instead of never running.
 */
import cron from 'node-cron';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { ConfigError } from '../errors.ts';

/** A pipeline with a checked `schedule`. */
export type ScheduledPipeline = Pipeline & { schedule: string };

/**
 * The pipelines with a `schedule`, in the given order.
 * @throws ConfigError `config_invalid` naming the file of a pipeline whose schedule (5 or 6 cron
 *   fields; the optional first field is seconds) or timezone (an IANA name) is not valid.
 */
export function scheduledPipelines(pipelines: readonly Pipeline[]): ScheduledPipeline[] {
  const scheduled: ScheduledPipeline[] = [];
  for (const p of pipelines) {
    if (p.schedule === undefined) continue;
    const check = cron.validateDetailed(p.schedule);
    if (!check.valid) {
      const why = check.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      throw new ConfigError('config_invalid', `${p.file}: schedule: '${p.schedule}' is not a cron expression (${why || 'use 5 fields, or 6 with seconds first'})`);
    }
    if (!isTimeZone(p.timezone)) {
      throw new ConfigError('config_invalid', `${p.file}: timezone: '${p.timezone}' is not an IANA time zone (e.g. Asia/Shanghai)`);
    }
    scheduled.push({ ...p, schedule: p.schedule });
  }
  return scheduled;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
