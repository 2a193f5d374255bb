import { InvalidInputError } from '../../errors/index.js';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash; may be empty. */
  prefix: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Characters a prefix segment may hold: S3's "safe" key characters, so no client or server reads them as anything else. */
const SAFE_SEGMENT = /^[A-Za-z0-9!_.*'()=-]+$/;

/**
 * Parses `s3://BUCKET/PREFIX` (a trailing slash is allowed). The prefix is a path of plain segments:
 * no empty segment (`a//b`), no `.` or `..` (which some servers resolve as paths, writing outside
 * the prefix), only S3's safe characters.
 */
export function parseS3Url(url: string, flag = '--dest'): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url.trim());
  if (!match) {
    throw new InvalidInputError(`${flag} must look like s3://BUCKET/PREFIX, got "${url}".`);
  }
  const bucket = match[1]!;
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new InvalidInputError(`${flag} bucket "${bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens).`);
  }
  const prefix = (match[2] ?? '').replace(/\/$/, '');
  if (prefix === '') return { bucket, prefix };
  for (const segment of prefix.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || !SAFE_SEGMENT.test(segment)) {
      const what =
        segment === ''
          ? 'an empty segment (//)'
          : segment === '.' || segment === '..'
            ? `the segment "${segment}"`
            : `the segment "${segment}" (use letters, digits and !_.*'()=-)`;
      throw new InvalidInputError(`${flag} prefix "${prefix}" has ${what}: give a plain path such as s3://${bucket}/crm/contacts.`);
    }
  }
  return { bucket, prefix };
}

export function formatS3Url(location: S3Location, key = ''): string {
  const path = [location.prefix, key].filter(Boolean).join('/');
  return `s3://${location.bucket}/${path}`;
}
