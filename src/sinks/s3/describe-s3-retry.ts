import type { S3RetryEvent } from './object-store.js';

/**
 * One line for an operator: `S3 PutObject of s3://b/crm/part-... at http://10.0.0.5:9000 failed (TimeoutError: ...);
 * retrying (2 of 5)`, or `S3 has been failing since 09:14:02Z (PutObject of s3://...: HTTP 503 ...);
 * waiting 20 s before trying again`.
 */
export function describeS3Retry(event: S3RetryEvent): string {
  const { target } = event;
  const what = `${target.operation} of s3://${target.bucket}/${target.key ?? ''} at ${target.endpoint}`;
  if (event.kind === 'outage') {
    return `S3 has been failing since ${event.failingSince} (${what}: ${event.problem}); waiting ${seconds(event.waitMs ?? 0)} before trying again`;
  }
  return `S3 ${what} failed (${event.problem}); retrying (${event.attempt + 1} of ${event.maxAttempts})`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** The fields and message of the log line for a retry: the operation, object and endpoint, never a credential. */
export function s3RetryLog(event: S3RetryEvent): { fields: Record<string, unknown>; message: string } {
  const { target } = event;
  return {
    fields: {
      s3: { operation: target.operation, bucket: target.bucket, key: target.key, endpoint: target.endpoint },
      attempt: event.attempt,
      maxAttempts: event.maxAttempts,
      problem: event.problem,
      ...(event.kind === 'outage' ? { waitMs: event.waitMs, failingSince: event.failingSince } : {}),
    },
    message: event.kind === 'outage' ? 'S3 unavailable; waiting before trying again' : 'S3 request failed; retrying',
  };
}
