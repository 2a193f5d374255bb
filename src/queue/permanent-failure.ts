import { UnrecoverableError } from 'bullmq';
import { BulkExportError, MissingConfigurationError, SourceRequestError } from '../errors/index.js';

/**
 * Besides configuration mistakes, an API answer that breaks what the request asked for (rows outside the
 * range or out of order, an ignored filter, an answer that is not the API's envelope or has no usable id)
 * fails at once: asking again gets the same wrong answer, and retries would only hide the API's fault.
 */
const PERMANENT_CODES = new Set([
  'CREDENTIAL_MISMATCH',
  'UNSORTED_PAGE',
  'WRONG_RANGE_KIND',
  'OUT_OF_RANGE',
  'FILTER_IGNORED',
  'UNEXPECTED_RESPONSE',
  'UNEXPECTED_ROW',
  'ROW_COUNT_MISMATCH',
]);

/**
 * Errors that another attempt cannot fix (a refused token, a bad filter, a worker without the
 * credential) fail the range at once instead of spending its retries; the operator fixes the cause
 * and runs `bulk-export retry`.
 */
export function asJobFailure(error: unknown): unknown {
  const permanent =
    (error instanceof SourceRequestError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) ||
    error instanceof MissingConfigurationError ||
    (error instanceof BulkExportError && PERMANENT_CODES.has(error.code));
  return permanent ? new UnrecoverableError((error as Error).message) : error;
}
