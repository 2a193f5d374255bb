/**
 * Every kind of failure a user can meet, as the `code` of a BulkExportError. The message says what went
 * wrong and what to do; the code lets a program tell the kinds apart (and the worker decide which ones
 * another attempt cannot fix, see `PERMANENT_ERROR_CODES`).
 */
export const ERROR_CODES = [
  // Input and configuration (exit 2).
  'INVALID_INPUT',
  'MISSING_CONFIGURATION',
  'MISSING_CREDENTIAL',
  // Services the exporter depends on.
  'REDIS_UNAVAILABLE',
  'REDIS_UNREACHABLE',
  'REDIS_REFUSED',
  'REDIS_OUTAGE',
  'DESTINATION_UNREACHABLE',
  'S3_UNAVAILABLE',
  'S3_REFUSED',
  'SOURCE_UNAVAILABLE',
  'BOARD_LISTEN',
  'METRICS_PORT',
  // What an API answered.
  'UNEXPECTED_RESPONSE',
  'UNEXPECTED_ROW',
  'UNSORTED_PAGE',
  'OUT_OF_RANGE',
  'FILTER_IGNORED',
  'NO_COUNT',
  'NO_PROGRESS',
  'CONTACTS_GONE',
  'CUSTOM_VALUE_MISMATCH',
  'AMBIGUOUS_CUSTOM_FIELD_NAME',
  // A range's reading.
  'CREDENTIAL_MISMATCH',
  'CREDENTIAL_KEY_UNKNOWN',
  'CREDENTIAL_UNREADABLE',
  'WRONG_RANGE_KIND',
  'BAD_CURSOR',
  'CHECKPOINT_CONFLICT',
  // The commit.
  'RANGES_UNFINISHED',
  'ROW_COUNT_MISMATCH',
  'PARTS_MISSING',
  'EXPORT_COMMITTING',
  // Operations on exports.
  'UNKNOWN_EXPORT',
  'EXPORT_FAILED',
  'RANGE_FAILED',
  'EXPORT_BUSY',
  'RANGE_JOBS_TRIMMED',
  'ALREADY_COMMITTED',
  'BAD_SPLIT_RECORD',
  'INCREMENTAL_RUNNING',
] as const;

/** A code of ERROR_CODES, or `SOURCE_HTTP_<status>` for an API's refusal (400, 401, 403, ...). */
export type ErrorCode = (typeof ERROR_CODES)[number] | `SOURCE_HTTP_${number}`;

/**
 * Failures another attempt cannot fix besides an API's 4xx refusals: an answer that breaks what the
 * request asked for (rows outside the range or out of order, an ignored filter, an answer that is not the
 * API's envelope or has no usable id) gets the same wrong answer when asked again, and retries would only
 * hide the API's fault; a worker with another credential stays wrong; a stored credential that does not
 * authenticate reads the same from Redis at every attempt (a key it was sealed with but this worker lacks is
 * not here: a worker given the key opens it).
 */
export const PERMANENT_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CREDENTIAL_MISMATCH',
  'CREDENTIAL_UNREADABLE',
  'UNSORTED_PAGE',
  'WRONG_RANGE_KIND',
  'OUT_OF_RANGE',
  'FILTER_IGNORED',
  'UNEXPECTED_RESPONSE',
  'UNEXPECTED_ROW',
  'ROW_COUNT_MISMATCH',
]);
