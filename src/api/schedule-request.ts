import type { StartRequest } from './start-request.js';

/**
 * A schedule of incremental loads (`bulk-export schedule`): the export's fields as for `start` (every run is
 * `incremental`; a trial's `limit` does not apply), and exactly one of `every` or `cron`.
 */
export interface ScheduleRequest extends Omit<StartRequest, 'incremental' | 'limit'> {
  /** `--every`: the period, a duration of at least 1s such as `'15m'`, `'1h'` or `'1h30m'`. */
  every?: string;
  /** `--cron`: a five-field cron pattern instead of `every`, e.g. `'0 * * * *'`. */
  cron?: string;
  /** `--tz`: the IANA time zone of `cron`. @defaultValue `'UTC'` */
  tz?: string;
  /**
   * `--name`: the schedule's name, 1-100 letters, digits, ".", "_" or "-"; the same name replaces a schedule.
   * @defaultValue `<source>-<bucket>-<prefix>` for the `default` account, `<source>-<account>-<bucket>-<prefix>` for another
   */
  name?: string;
  /**
   * `--credential-stdin`: the account's credential, checked against the API, then kept sealed for as long as
   * the schedule exists (its runs read it; `setCredential` replaces it). Never stored in the schedule itself.
   */
  credential?: string;
}

/** A schedule registered (or replaced). */
export interface ScheduleResult {
  name: string;
  account: string;
  /** The first run, as the job scheduler planned it (ISO); null when it did not say. */
  nextRunAt: string | null;
}
