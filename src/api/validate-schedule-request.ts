import { DEFAULT_ACCOUNT } from '../accounts/account-name.js';
import { InvalidInputError } from '../errors/index.js';
import { checkCronTiming } from '../queue/schedule-timing.js';
import { defaultScheduleName, parseEvery, type ScheduleTiming } from '../queue/schedules.js';
import type { ScheduleRequest } from './schedule-request.js';
import { validateStartRequest, type ValidatedStart } from './validate-start-request.js';
import { checkOptionalString, checkRecord } from './validate-values.js';

/** A schedule request checked as `bulk-export schedule` checks its flags: the timing, and the export as `start`'s. */
export interface ValidatedSchedule extends ValidatedStart {
  name: string;
  timing: ScheduleTiming;
}

/** Throws InvalidInputError; nothing is read or written. */
export function validateScheduleRequest(input: ScheduleRequest): ValidatedSchedule {
  const {
    every: everyValue,
    cron: cronValue,
    tz: tzValue,
    name: nameValue,
    ...start
  } = checkRecord(input, 'A schedule request') as unknown as ScheduleRequest;
  const every = checkOptionalString(everyValue, '--every');
  const cron = checkOptionalString(cronValue, '--cron');
  const tz = checkOptionalString(tzValue, '--tz');
  if ((every === undefined) === (cron === undefined))
    throw new InvalidInputError('Give exactly one of --every DURATION (e.g. 1h) or --cron "PATTERN".');
  if (tz !== undefined && cron === undefined) throw new InvalidInputError('--tz applies to --cron only.');
  const timing: ScheduleTiming = every !== undefined ? { every: parseEvery(every) } : { pattern: cron!, tz: tz ?? 'UTC' };
  if (timing.pattern !== undefined) checkCronTiming(timing.pattern, timing.tz!);
  const { request, handover } = validateStartRequest(start);
  request.incremental = true;
  // The name's form is checked where the schedule is registered (upsertSchedule), as for the CLI.
  const name =
    checkOptionalString(nameValue, '--name') ??
    defaultScheduleName(request.source, request.dest, request.account ?? DEFAULT_ACCOUNT, request.records);
  return { request, handover, name, timing };
}
