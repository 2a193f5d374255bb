import { S3Client } from '@aws-sdk/client-s3';
import { S3_REQUEST_DEFAULTS, type S3Settings } from '../../config/environment.js';

/**
 * An S3 client for AWS S3 or another S3 endpoint. Checksums are the SDK's default (a CRC on every upload,
 * and validated on every download that carries one) unless S3_CHECKSUMS=when_required: for servers that
 * reject the checksum headers, or that store an `aws-chunked` upload with its framing and trailer as if
 * they were the object (s3rver, which the tests and the demo use, does that to streamed bodies).
 *
 * Every request is bounded (`S3RequestLimits`): without a timeout, a request that the endpoint (or a
 * proxy) accepts and never answers would hold a range, its worker and its job lock for good. A request
 * that times out is a `TimeoutError`, which the SDK retries like a dropped connection or a 5xx.
 */
export function createS3Client(settings: S3Settings): S3Client {
  const limits = settings.requests ?? S3_REQUEST_DEFAULTS;
  const checksums = settings.checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
    maxAttempts: Math.max(1, Math.floor(limits.maxAttempts)),
    requestHandler: {
      connectionTimeout: limits.connectionTimeoutMs,
      // The whole request, from sending it to the answer's headers; an error, not just a warning.
      requestTimeout: limits.requestTimeoutMs,
      throwOnRequestTimeout: true,
      // Silence on an open socket, which also covers an answer's body that stops streaming.
      socketTimeout: limits.requestTimeoutMs,
    },
  });
}
