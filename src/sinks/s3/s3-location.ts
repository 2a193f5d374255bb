import { InvalidInputError } from '../../errors/index.js';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash; may be empty. */
  prefix: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://BUCKET/PREFIX`. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url.trim());
  if (!match) {
    throw new InvalidInputError(`--dest must look like s3://BUCKET/PREFIX, got "${url}".`);
  }
  const bucket = match[1]!;
  if (!BUCKET_NAME.test(bucket)) {
    throw new InvalidInputError(
      `--dest bucket "${bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens).`,
    );
  }
  return { bucket, prefix: match[2]!.replace(/^\/+|\/+$/g, '') };
}

export function formatS3Url(location: S3Location, key = ''): string {
  const path = [location.prefix, key].filter(Boolean).join('/');
  return `s3://${location.bucket}/${path}`;
}

/** The folder holding one export: `<prefix>/<exportId>`. */
export function exportFolder(location: S3Location, exportId: string): string {
  return location.prefix ? `${location.prefix}/${exportId}` : exportId;
}
