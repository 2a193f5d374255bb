import { CronExpressionParser } from 'cron-parser';
import { InvalidInputError } from '../errors/index.js';

/**
 * Checks `--cron` and `--tz` the way the job scheduler will read them (BullMQ uses cron-parser), so a
 * bad pattern or zone is refused when the schedule is registered, in words, rather than failing later
 * inside the parser. Returns the next run, as a check that the two make sense together.
 */
export function checkCronTiming(pattern: string, tz: string): Date {
  if (!isTimeZone(tz)) {
    throw new InvalidInputError(`--tz "${tz}" is not an IANA time zone name: use one such as UTC, Europe/Berlin or America/New_York.`);
  }
  try {
    return CronExpressionParser.parse(pattern, { tz }).next().toDate();
  } catch (error) {
    const reason = (error as Error).message.replace(/^(Validation|Constraint) error, /i, '');
    throw new InvalidInputError(
      `--cron "${pattern}" is not a cron pattern (${reason}): give five fields, minute hour day-of-month month day-of-week, such as "0 2 * * *" for 02:00 every day.`,
    );
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
