import { describe, expect, it } from 'vitest';
import { S3RequestError } from '../../src/errors/index.js';
import { findPartDiscrepancies } from '../../src/queue/part-audit.js';
import type { CommittedPart } from '../../src/sinks/manifest.js';
import { describeS3Retry } from '../../src/sinks/s3/describe-s3-retry.js';
import { describeS3Failure, isNotFound, isTransientS3Failure } from '../../src/sinks/s3/s3-failure.js';

const target = { operation: 'PutObject', bucket: 'exports', key: 'crm/exp-1/part-r00000-s000000-aabc.parquet', endpoint: 'http://127.0.0.1:9000' };

function sdkError(name: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...fields });
}

describe('S3 failures', () => {
  it('tells an outage (wait and try again) from a refusal (say so at once)', () => {
    expect(isTransientS3Failure(sdkError('TimeoutError'))).toBe(true);
    expect(isTransientS3Failure(sdkError('Error', { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientS3Failure(sdkError('ServiceUnavailable', { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isTransientS3Failure(sdkError('SlowDown', { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isTransientS3Failure(sdkError('AccessDenied', { $metadata: { httpStatusCode: 403 } }))).toBe(false);
    expect(isTransientS3Failure(sdkError('NoSuchBucket', { $metadata: { httpStatusCode: 404 } }))).toBe(false);
    expect(isTransientS3Failure(sdkError('AbortError'))).toBe(false);
    expect(isNotFound(sdkError('NoSuchKey', { $metadata: { httpStatusCode: 404 } }))).toBe(true);
    expect(describeS3Failure(sdkError('ServiceUnavailable', { $metadata: { httpStatusCode: 503 } })).problem).toBe(
      'HTTP 503 ServiceUnavailable: ServiceUnavailable happened',
    );
  });

  it('says which operation failed where, and what to check for each kind of failure', () => {
    const outage = new S3RequestError({ target, transient: true, problem: 'TimeoutError: no answer', attempts: 12, waitedMs: 61_000 });
    expect(outage.message).toBe(
      'S3 PutObject of s3://exports/crm/exp-1/part-r00000-s000000-aabc.parquet at http://127.0.0.1:9000 failed after 12 attempts over 61 s ' +
        "(last: TimeoutError: no answer). S3 did not answer: check that S3_ENDPOINT (http://127.0.0.1:9000) is the right endpoint and reachable from this machine, and the service's status.",
    );
    expect(outage.code).toBe('S3_UNAVAILABLE');
    const denied = new S3RequestError({
      target,
      transient: false,
      status: 403,
      errorName: 'AccessDenied',
      problem: 'HTTP 403 AccessDenied: denied',
      attempts: 1,
    });
    expect(denied.code).toBe('S3_REFUSED');
    expect(denied.message).toContain(
      'failed after 1 attempt (last: HTTP 403 AccessDenied: denied). S3 refused these credentials: check AWS_ACCESS_KEY_ID',
    );
    const noBucket = new S3RequestError({
      target: { ...target, operation: 'HeadBucket', key: undefined },
      transient: false,
      status: 404,
      errorName: 'NotFound',
      problem: 'HTTP 404 NotFound',
      attempts: 1,
    });
    expect(noBucket.message).toContain('Bucket "exports" does not exist at this endpoint');
  });

  it('describes retries for logs and status', () => {
    expect(describeS3Retry({ kind: 'request', target, attempt: 1, maxAttempts: 5, problem: 'TimeoutError: x' })).toBe(
      'S3 PutObject of s3://exports/crm/exp-1/part-r00000-s000000-aabc.parquet at http://127.0.0.1:9000 failed (TimeoutError: x); retrying (2 of 5)',
    );
    expect(
      describeS3Retry({
        kind: 'outage',
        target,
        attempt: 5,
        maxAttempts: 5,
        problem: 'HTTP 503 ServiceUnavailable',
        waitMs: 20_000,
        failingSince: '2026-11-23T09:14:02.000Z',
      }),
    ).toBe(
      'S3 has been failing since 2026-11-23T09:14:02.000Z (PutObject of s3://exports/crm/exp-1/part-r00000-s000000-aabc.parquet at http://127.0.0.1:9000: HTTP 503 ServiceUnavailable); waiting 20 s before trying again',
    );
  });
});

describe('part audit', () => {
  const part = (key: string, bytes: number, rangeIndex = 0): CommittedPart => ({
    key,
    rows: 10,
    bytes,
    firstKey: 1,
    lastKey: 10,
    rangeIndex,
    sequence: 0,
  });

  it('finds the parts that are gone or of another size, and nothing else', () => {
    const parts = [part('f/part-a', 100), part('f/part-b', 200, 1), part('f/part-c', 300, 2)];
    const listing = [
      { key: 'f/part-a', size: 100 },
      { key: 'f/part-c', size: 299 },
      { key: 'f/part-stray', size: 5 },
    ];
    expect(findPartDiscrepancies(parts, listing)).toEqual([
      { key: 'f/part-b', rangeIndex: 1, recordedBytes: 200, foundBytes: undefined },
      { key: 'f/part-c', rangeIndex: 2, recordedBytes: 300, foundBytes: 299 },
    ]);
    expect(findPartDiscrepancies(parts.slice(0, 1), listing)).toEqual([]);
  });
});
