import type { RebuildOutcome } from '../queue/operations/rebuild-export.js';

/** `wait`: how to stop waiting before the export ends. */
export interface WaitOptions {
  /** Aborting it ends the wait (rejecting with the signal's reason) and releases its connections; the export goes on. */
  signal?: AbortSignal;
}

/** `retry`: which failed ranges run again. */
export interface RetryOptions {
  /** `--range`: only this range index. @defaultValue every failed range (and a failed commit) */
  range?: number;
}

/** `resume`: where the export is, for one Redis no longer knows. */
export interface ResumeOptions {
  /** `--dest`: the export's destination, `s3://BUCKET/PREFIX`, to rebuild its state from S3. */
  dest?: string;
}

/** What `resume` did: let a paused export go on, or rebuild one Redis lost from S3 (with `dest`). */
export type ResumeResult = { kind: 'resumed'; rangesPromoted: number } | ({ kind: 'rebuilt' } & RebuildOutcome);

/** A filter of `schedules` and `credentials`. */
export interface AccountFilter {
  /** `--account`: only this account's. @defaultValue every account's */
  account?: string;
}
