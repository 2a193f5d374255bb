import { UnrecoverableError } from './bullmq.js';
import { S3RequestError } from '../errors/index.js';

/**
 * S3 refusing a request (credentials, a missing bucket) fails the job at once: another attempt a few
 * seconds later gets the same answer. So does an outage that outlasted the outage policy's give-up time
 * (S3OutagePolicy), which bounds how long an export waits for S3 in all, not per attempt. The operator
 * fixes the cause and runs `bulk-export retry`. A transient failure without outage waits (no policy) stays
 * an ordinary failure, retried by BullMQ.
 */
export function s3FailureAsJobFailure(error: unknown): unknown {
  if (error instanceof S3RequestError && (!error.transient || error.waitedMs !== undefined)) {
    return Object.assign(new UnrecoverableError(error.message), { cause: error });
  }
  return error;
}
