/**
 * The pipelines `onecode serve` schedules: those whose YAML has a `schedule`. Their cron
 * expressions and time zones are checked before anything starts, so a typo is reported at startup
 * with the file's name (and line) instead of never running.
 */
import cron from 'node-cron';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { ConfigError } from '../errors.ts';

/** A pipeline with a checked `schedule`. */
export type ScheduledPipeline = Pipeline & { schedule: string };

/** The scheduled pipelines, and those whose schedule or time zone is not valid (one line each). */
export interface ScheduleCheck {
  scheduled: ScheduledPipeline[];
  invalid: Array<{ pipeline: Pipeline; problem: string }>;
}

/**
 * Splits pipelines into those with a valid `schedule` (5 or 6 cron fields; the optional first field
 * is seconds) and `timezone` (an IANA name), in the given order, and those with a bad one. Pipelines
 * without a schedule are in neither list.
 */
export function checkSchedules(pipelines: readonly Pipeline[]): ScheduleCheck {
  const result: ScheduleCheck = { scheduled: [], invalid: [] };
  for (const p of pipelines) {
    const schedule = p.schedule;
    if (schedule === undefined) continue;
    const problem = scheduleProblem(p, schedule);
    if (problem === undefined) result.scheduled.push({ ...p, schedule });
    else result.invalid.push({ pipeline: p, problem });
  }
  return result;
}

/**
 * The pipelines with a `schedule`, in the given order, all or nothing.
 * @throws ConfigError `config_invalid` naming the file of the first pipeline whose schedule or
 *   timezone is not valid ({@link checkSchedules}).
 */
export function scheduledPipelines(pipelines: readonly Pipeline[]): ScheduledPipeline[] {
  const { scheduled, invalid } = checkSchedules(pipelines);
  if (invalid.length > 0) throw new ConfigError('config_invalid', invalid[0]!.problem);
  return scheduled;
}

function scheduleProblem(p: Pipeline, schedule: string): string | undefined {
  const at = (field: string): string => `${p.file}${p.fieldLines?.[field] === undefined ? '' : `:${p.fieldLines[field]}`}`;
  const check = cron.validateDetailed(schedule);
  if (!check.valid) {
    const why = check.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return `${at('schedule')}: schedule: '${schedule}' is not a cron expression (${why || 'use 5 fields, or 6 with seconds first'})`;
  }
  if (!isTimeZone(p.timezone)) return `${at('timezone')}: timezone: '${p.timezone}' is not an IANA time zone (e.g. Asia/Shanghai)`;
  return undefined;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
