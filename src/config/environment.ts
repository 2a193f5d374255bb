import { MissingConfigurationError } from '../errors/index.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_VIRTUOUS_BASE_URL = 'https://api.virtuoussoftware.com';
export const DEFAULT_QUEUE_PREFIX = '{bulk-export}';

export interface S3Settings {
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  /** Explicit keys (local endpoints only); otherwise the AWS SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Everything the commands read from the environment, in one typed place. */
export interface Environment {
  redisUrl: string;
  /** BullMQ key prefix; a `{hash tag}` so every key of a queue lands in one Redis Cluster slot. */
  queuePrefix: string;
  s3: S3Settings;
  virtuousBaseUrl: string;
  logLevel: string;
  /** Worker lock tuning (tests shorten them); undefined = the defaults in job-policies. */
  workerLockDurationMs: number | undefined;
  workerStalledIntervalMs: number | undefined;
  variables: NodeJS.ProcessEnv;
}

export function readEnvironment(variables: NodeJS.ProcessEnv = process.env): Environment {
  return {
    redisUrl: variables.REDIS_URL || DEFAULT_REDIS_URL,
    queuePrefix: variables.BULK_EXPORT_QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX,
    s3: {
      endpoint: variables.S3_ENDPOINT || undefined,
      region: variables.AWS_REGION || variables.AWS_DEFAULT_REGION || 'us-east-1',
      forcePathStyle: parseBoolean(variables.S3_FORCE_PATH_STYLE) ?? Boolean(variables.S3_ENDPOINT),
    },
    virtuousBaseUrl: stripTrailingSlash(variables.VIRTUOUS_BASE_URL || DEFAULT_VIRTUOUS_BASE_URL),
    logLevel: variables.LOG_LEVEL || 'info',
    workerLockDurationMs: optionalNumber(variables.WORKER_LOCK_DURATION_MS),
    workerStalledIntervalMs: optionalNumber(variables.WORKER_STALLED_INTERVAL_MS),
    variables,
  };
}

/** Reads a variable that must be set, or throws an error naming it and saying what it is for. */
export function requireVariable(variables: NodeJS.ProcessEnv, name: string, purpose: string): string {
  const value = variables[name];
  if (!value) throw new MissingConfigurationError(name, purpose);
  return value;
}

function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

function optionalNumber(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? number : undefined;
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
