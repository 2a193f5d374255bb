import { BulkExportError } from './bulk-export-error.js';

/** What an S3 request was, for messages: the SDK operation, the object (or bucket) and the endpoint asked. */
export interface S3RequestTarget {
  /** The SDK's operation name: PutObject, ListObjectsV2, DeleteObjects, HeadBucket, ... */
  operation: string;
  bucket: string;
  /** The object key, or a prefix for listings; undefined for bucket-wide operations. */
  key?: string;
  /** Where the request went (`http://127.0.0.1:9000`, `https://s3.eu-west-1.amazonaws.com`), never with credentials. */
  endpoint: string;
}

/**
 * An S3 request that failed after its attempts. `transient` says whether waiting may help (no answer,
 * dropped connections, 5xx, throttling) or S3 refused the request (credentials, missing bucket, ...).
 */
export class S3RequestError extends BulkExportError {
  readonly target: S3RequestTarget;
  readonly transient: boolean;
  readonly status: number | undefined;

  /** The SDK's name for the failure (`NoSuchKey`, `TimeoutError`, `AccessDenied`, ...). */
  readonly errorName: string | undefined;
  /** Set when the operation waited out an outage until the outage policy gave up: how long it kept failing. */
  readonly waitedMs: number | undefined;

  constructor(args: {
    target: S3RequestTarget;
    transient: boolean;
    status?: number;
    errorName?: string;
    problem: string;
    attempts: number;
    waitedMs?: number;
    cause?: unknown;
  }) {
    const { target } = args;
    const object = `s3://${target.bucket}/${target.key ?? ''}`;
    const tries = args.waitedMs
      ? `${args.attempts} attempts over ${Math.round(args.waitedMs / 1000)} s`
      : `${args.attempts} attempt${args.attempts === 1 ? '' : 's'}`;
    super(
      args.transient ? 'S3_UNAVAILABLE' : 'S3_REFUSED',
      `S3 ${target.operation} of ${object} at ${target.endpoint} failed after ${tries} (last: ${args.problem}). ${adviceFor(args)}`,
      { cause: args.cause },
    );
    this.errorName = args.errorName;
    this.waitedMs = args.waitedMs;
    this.target = target;
    this.transient = args.transient;
    this.status = args.status;
  }
}

function adviceFor(args: { transient: boolean; status?: number; errorName?: string; target: S3RequestTarget }): string {
  const name = args.errorName ?? '';
  if (args.transient) {
    return `S3 did not answer: check that S3_ENDPOINT (${args.target.endpoint}) is the right endpoint and reachable from this machine, and the service's status.`;
  }
  if (name === 'NoSuchBucket' || (args.status === 404 && args.target.key === undefined)) {
    return `Bucket "${args.target.bucket}" does not exist at this endpoint: create it, or check --dest and S3_ENDPOINT.`;
  }
  if (args.status === 403 || args.status === 401 || /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|Credential/i.test(name)) {
    return `S3 refused these credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the AWS credential chain), AWS_REGION, and the bucket's policy.`;
  }
  return 'Check S3_ENDPOINT, S3_FORCE_PATH_STYLE, AWS_REGION, the credentials and the bucket.';
}
