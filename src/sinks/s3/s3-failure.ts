import { S3RequestError } from '../../errors/index.js';

/** An S3 SDK failure, reduced to what messages and decisions need. */
export interface S3Failure {
  /** HTTP status of S3's answer; undefined when there was none (timeout, refused or dropped connection). */
  status: number | undefined;
  /** The SDK's error name: `NoSuchKey`, `TimeoutError`, `AccessDenied`, `ServiceUnavailable`, ... */
  name: string;
  /** One line for people: status, name and message, without request details. */
  problem: string;
}

/** Transport failures: nothing (or nothing complete) came back, so the same request may well succeed later. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'ThrottlingException',
  'ServiceUnavailable',
  'InternalError',
]);
const MAX_PROBLEM_LENGTH = 300;

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function describeS3Failure(error: unknown): S3Failure {
  const shape = (error ?? {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  const name = shape.name ?? 'Error';
  const message = (shape.message ?? String(error)).replace(/\s+/g, ' ').trim();
  const code = shape.code && !message.includes(shape.code) ? ` (${shape.code})` : '';
  const problem = `${status ? `HTTP ${status} ` : ''}${name}: ${message || 'no message'}${code}`;
  return { status, name, problem: problem.length > MAX_PROBLEM_LENGTH ? `${problem.slice(0, MAX_PROBLEM_LENGTH)}...` : problem };
}

/** Whether waiting may help: S3 did not answer, dropped the connection, failed (5xx) or throttled (429, SlowDown). */
export function isTransientS3Failure(error: unknown): boolean {
  const shape = (error ?? {}) as SdkErrorShape;
  if (shape.name === 'AbortError') return false;
  const status = shape.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return (
    shape.$retryable !== undefined ||
    TRANSIENT_NAMES.has(shape.name ?? '') ||
    NETWORK_CODES.has(shape.code ?? '') ||
    NETWORK_CODES.has((shape as { errno?: string }).errno ?? '')
  );
}

/** A 404 for an object (`NoSuchKey`, HEAD's `NotFound`), raw from the SDK or wrapped in an S3RequestError. */
export function isNotFound(error: unknown): boolean {
  if (error instanceof S3RequestError) return error.status === 404 || error.errorName === 'NoSuchKey';
  const shape = (error ?? {}) as SdkErrorShape;
  return shape.name === 'NoSuchKey' || shape.name === 'NotFound' || shape.$metadata?.httpStatusCode === 404;
}
