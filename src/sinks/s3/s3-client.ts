import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../config/environment.js';

/**
 * An S3 client for AWS S3, MinIO or s3rver. Checksums only when required: s3rver stores streamed
 * uploads corrupted when the SDK adds its default trailing checksums; AWS and MinIO accept either way.
 */
export function createS3Client(settings: S3Settings): S3Client {
  // On the Node 20 we run, the SDK would print its "future releases need Node 22" notice in every command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
  });
}
