import { UnrecoverableError } from './bullmq.js';
import { BulkExportError, MissingConfigurationError, PERMANENT_ERROR_CODES, SourceRequestError } from '../errors/index.js';

/**
 * Errors that another attempt cannot fix (a refused token, a bad filter, a worker without the
 * credential) fail the range at once instead of spending its retries; the operator fixes the cause
 * and runs `bulk-export retry`. A 401 to an account's credential read from a file is retried: the next
 * attempt reads the file again, and a rotation may not have reached it yet.
 */
export function asJobFailure(error: unknown): unknown {
  const permanent =
    (error instanceof SourceRequestError &&
      error.status >= 400 &&
      error.status < 500 &&
      error.status !== 408 &&
      error.status !== 429 &&
      !error.credentialMayChange) ||
    error instanceof MissingConfigurationError ||
    (error instanceof BulkExportError && PERMANENT_ERROR_CODES.has(error.code));
  // The cause keeps the error's code for whoever hears of the failure (a failed export's notification).
  return permanent ? Object.assign(new UnrecoverableError((error as Error).message), { cause: error }) : error;
}
