import { S3Client } from '@aws-sdk/client-s3';
import { S3_REQUEST_DEFAULTS, type S3Settings } from '../../config/environment.js';

/**
 * An S3 client for AWS S3, MinIO or s3rver. Checksums only when required: s3rver stores streamed
 * uploads corrupted when the SDK adds its default trailing checksums; AWS and MinIO accept either way.
 *
 * Every request is bounded (`S3RequestLimits`): without a timeout, a request that the endpoint (or a
 * proxy) accepts and never answers would hold a range, its worker and its job lock for good. A request
 * that times out is a `TimeoutError`, which the SDK retries like a dropped connection or a 5xx.
 */
export function createS3Client(settings: S3Settings): S3Client {
  // On the Node 20 we run, the SDK would print its "future releases need Node 22" notice in every command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const limits = settings.requests ?? S3_REQUEST_DEFAULTS;
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
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
