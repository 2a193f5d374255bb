import type { AccessCredentials } from '../access/bind-policy.js';
import { InvalidConfigurationError, InvalidInputError, MissingConfigurationError } from '../errors/index.js';
import { readRedisSettings, requireClusterPrefix, type RedisSettings } from './redis-settings.js';

export { DEFAULT_REDIS_URL } from './redis-settings.js';
export const DEFAULT_QUEUE_PREFIX = '{bulk-export}';

export interface S3Settings {
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  /** Explicit keys (local endpoints only); otherwise the AWS SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per-request limits; undefined = S3_REQUEST_DEFAULTS. */
  requests?: S3RequestLimits;
  /** How long workers wait out an S3 outage; undefined = S3_OUTAGE_DEFAULTS. */
  outage?: S3OutagePolicy;
  /**
   * S3_CHECKSUMS: when the SDK adds request checksums and validates response checksums.
   * @defaultValue 'when_supported' (the SDK's default: a CRC on every upload and download that allows one)
   */
  checksums?: S3ChecksumMode;
}

/**
 * `when_supported`: the SDK's default, integrity checks on every request that allows them. `when_required`:
 * only where the S3 API demands one, for servers that reject or mangle the checksum headers or trailers.
 */
export const S3_CHECKSUM_MODES = ['when_supported', 'when_required'] as const;
export type S3ChecksumMode = (typeof S3_CHECKSUM_MODES)[number];

/**
 * Every S3 request is bounded: a connection that does not open, or a request (body sent, answer's headers
 * received) that does not finish, is abandoned and tried again like any other failure, `maxAttempts` in all.
 */
export interface S3RequestLimits {
  /** S3_CONNECTION_TIMEOUT_MS: the TCP (and TLS) connection must open within this. */
  connectionTimeoutMs: number;
  /** S3_REQUEST_TIMEOUT_MS: the whole request, and any silence while an answer's body streams in. */
  requestTimeoutMs: number;
  /** S3_MAX_ATTEMPTS: tries of one request (the SDK's own retries, with its jittered back-off). */
  maxAttempts: number;
}

/**
 * When S3 still fails after a request's attempts (it is down, unreachable or overloaded), a worker keeps
 * what it holds (the encoded part) and tries again after growing waits, instead of failing the range.
 */
export interface S3OutagePolicy {
  /** S3_OUTAGE_FIRST_WAIT_MS: the first wait; each next one doubles. */
  firstWaitMs: number;
  /** S3_OUTAGE_MAX_WAIT_MS: no wait is longer. */
  maxWaitMs: number;
  /** S3_OUTAGE_GIVE_UP_MS: after failing this long, the operation fails (and the range or commit with it). */
  giveUpAfterMs: number;
}

export const S3_REQUEST_DEFAULTS: S3RequestLimits = { connectionTimeoutMs: 5_000, requestTimeoutMs: 60_000, maxAttempts: 5 };
export const S3_OUTAGE_DEFAULTS: S3OutagePolicy = { firstWaitMs: 5_000, maxWaitMs: 5 * 60_000, giveUpAfterMs: 30 * 60_000 };

/**
 * How long a source API may take, and how often a failing request is tried. The timeout covers one whole
 * try: connecting, sending, the answer's headers and its entire body. The tries are counted overall: a
 * range page shares them across every page size of a source's ladder of smaller pages, so an API that
 * never answers costs at most `attempts` x `timeoutMs` per range attempt, and each try after the first is
 * announced (on stderr by `start`, in `status` for a range).
 */
export interface SourceRequestSettings {
  /** SOURCE_REQUEST_TIMEOUT_MS: one try, from connecting to the last byte of the answer. */
  timeoutMs: number;
  /** SOURCE_REQUEST_ATTEMPTS: tries of one request (one range page, whatever its take) against transient failures. */
  attempts: number;
}

/** Eight tries: two at each of four page sizes (1000, 500, 250, 50) for a page that keeps failing. */
export const SOURCE_REQUEST_DEFAULTS: SourceRequestSettings = { timeoutMs: 60_000, attempts: 8 };

/**
 * REDIS_OUTAGE_GIVE_UP_MS: how long a command that waits for an export (`start --wait`, `status --watch`)
 * waits for a Redis that stopped answering (a restart, a failover) before it gives up with a message; the
 * export goes on regardless. Workers wait for Redis as long as it takes.
 */
export const REDIS_OUTAGE_GIVE_UP_DEFAULT_MS = 60_000;

/**
 * EXPORT_RETENTION_MS: how long Redis keeps a finished (committed, failed or cancelled) export's record,
 * checkpoints and range board, for `status`, `list` and `retry`; unset, as long as BullMQ keeps failed jobs.
 */
export const EXPORT_RETENTION_DEFAULT_MS = 14 * 24 * 3_600_000;

/** What a message about an export Redis does not know adds: it may have been forgotten. */
export const FORGOTTEN_EXPORTS_HINT = `Redis forgets a finished export after EXPORT_RETENTION_MS, ${EXPORT_RETENTION_DEFAULT_MS / 86_400_000} days unless set`;

/**
 * How a completion notification (`--notify URL`, docs/notifications.md) is tried again while its receiver
 * does not answer 2xx: waits that double from the first, none longer than the longest, until a try fails
 * once `giveUpAfterMs` have passed since the notification was enqueued.
 */
export interface NotificationRetryPolicy {
  /** NOTIFY_RETRY_FIRST_WAIT_MS: the wait after the first failed try. */
  firstWaitMs: number;
  /** NOTIFY_RETRY_MAX_WAIT_MS: no wait is longer. */
  maxWaitMs: number;
  /** NOTIFY_GIVE_UP_MS: a try that fails this long after the notification was enqueued is the last. */
  giveUpAfterMs: number;
}

/** Retries span a day and more: a receiver down over a night or a weekend day still hears of the export. */
export const NOTIFY_RETRY_DEFAULTS: NotificationRetryPolicy = { firstWaitMs: 10_000, maxWaitMs: 3_600_000, giveUpAfterMs: 26 * 3_600_000 };

export interface NotificationSettings {
  /** NOTIFY_SECRET (or NOTIFY_SECRET_FILE): the key notifications are signed with; `--notify` is refused without it. */
  secret: string | undefined;
  retry: NotificationRetryPolicy;
}

/** Everything the commands read from the environment, in one typed place. */
export interface Environment {
  /** The Redis every process shares: one server, a Cluster or a Sentinel master (see redis-settings.ts). */
  redis: RedisSettings;
  /** BullMQ key prefix; a `{hash tag}` so every key of a queue lands in one Redis Cluster slot (required on a Cluster). */
  queuePrefix: string;
  s3: S3Settings;
  /** SOURCE_REQUEST_TIMEOUT_MS and SOURCE_REQUEST_ATTEMPTS. */
  sourceRequests: SourceRequestSettings;
  /** REDIS_OUTAGE_GIVE_UP_MS (see REDIS_OUTAGE_GIVE_UP_DEFAULT_MS). */
  redisOutageGiveUpMs: number;
  /** NOTIFY_SECRET and the NOTIFY_RETRY_* waits of completion notifications. */
  notifications: NotificationSettings;
  logLevel: string;
  /** LOG_PRETTY: human-readable log lines instead of JSON. */
  logPretty: boolean;
  /** BOARD_USER and BOARD_PASSWORD (both or neither): basic auth of the board and of /metrics off loopback. */
  access: AccessCredentials | undefined;
  /** METRICS_PORT and METRICS_HOST: workers serve /metrics when a port is set (0 = any free port). */
  metrics: { port: number | undefined; host: string };
  /** WORKER_CONCURRENCY: ranges a worker works on at once, unless `--concurrency` says otherwise. */
  workerConcurrency: number;
  /** Worker lock tuning (tests shorten them); undefined = the defaults in job-policies. */
  workerLockDurationMs: number | undefined;
  workerStalledIntervalMs: number | undefined;
  /** BUDGET_YIELD_AFTER_MS: how long a range waits for its account's budget before giving its slot back; undefined = the default. */
  budgetYieldAfterMs: number | undefined;
  /** EXPORT_RETENTION_MS (see EXPORT_RETENTION_DEFAULT_MS). */
  exportRetentionMs: number;
  variables: NodeJS.ProcessEnv;
}

export function readEnvironment(variables: NodeJS.ProcessEnv = process.env): Environment {
  const { redis, queuePrefix } = redisEnvironment(variables);
  return {
    redis,
    queuePrefix,
    s3: {
      endpoint: variables.S3_ENDPOINT || undefined,
      region: variables.AWS_REGION || variables.AWS_DEFAULT_REGION || 'us-east-1',
      forcePathStyle: parseBoolean(variables.S3_FORCE_PATH_STYLE) ?? Boolean(variables.S3_ENDPOINT),
      requests: {
        connectionTimeoutMs: optionalNumber(variables.S3_CONNECTION_TIMEOUT_MS) ?? S3_REQUEST_DEFAULTS.connectionTimeoutMs,
        requestTimeoutMs: optionalNumber(variables.S3_REQUEST_TIMEOUT_MS) ?? S3_REQUEST_DEFAULTS.requestTimeoutMs,
        maxAttempts: optionalNumber(variables.S3_MAX_ATTEMPTS) ?? S3_REQUEST_DEFAULTS.maxAttempts,
      },
      outage: {
        firstWaitMs: optionalNumber(variables.S3_OUTAGE_FIRST_WAIT_MS) ?? S3_OUTAGE_DEFAULTS.firstWaitMs,
        maxWaitMs: optionalNumber(variables.S3_OUTAGE_MAX_WAIT_MS) ?? S3_OUTAGE_DEFAULTS.maxWaitMs,
        giveUpAfterMs: optionalNumber(variables.S3_OUTAGE_GIVE_UP_MS) ?? S3_OUTAGE_DEFAULTS.giveUpAfterMs,
      },
      checksums: s3ChecksumMode(variables),
    },
    sourceRequests: sourceRequestSettings(variables),
    redisOutageGiveUpMs: positiveIntegerVariable(variables, 'REDIS_OUTAGE_GIVE_UP_MS') ?? REDIS_OUTAGE_GIVE_UP_DEFAULT_MS,
    notifications: { secret: variables.NOTIFY_SECRET || undefined, retry: notificationRetryPolicy(variables) },
    logLevel: variables.LOG_LEVEL || 'info',
    logPretty: parseBoolean(variables.LOG_PRETTY) ?? false,
    access: accessCredentials(variables),
    metrics: { port: wholeNumberVariable(variables, 'METRICS_PORT', 0, 65_535), host: variables.METRICS_HOST || '127.0.0.1' },
    workerConcurrency: wholeNumberVariable(variables, 'WORKER_CONCURRENCY', 1, 64) ?? 2,
    workerLockDurationMs: optionalNumber(variables.WORKER_LOCK_DURATION_MS),
    workerStalledIntervalMs: optionalNumber(variables.WORKER_STALLED_INTERVAL_MS),
    budgetYieldAfterMs: positiveIntegerVariable(variables, 'BUDGET_YIELD_AFTER_MS'),
    exportRetentionMs: positiveIntegerVariable(variables, 'EXPORT_RETENTION_MS') ?? EXPORT_RETENTION_DEFAULT_MS,
    variables,
  };
}

/** The Redis settings and the queue prefix, checked together: on a Cluster the prefix must be a hash tag. */
function redisEnvironment(variables: NodeJS.ProcessEnv): { redis: RedisSettings; queuePrefix: string } {
  const redis = readRedisSettings(variables);
  const queuePrefix = variables.BULK_EXPORT_QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX;
  requireClusterPrefix(queuePrefix, redis);
  return { redis: redis.topology === 'cluster' ? { ...redis, clockKey: queuePrefix } : redis, queuePrefix };
}

/**
 * A source API's base URL from `name` (or `fallback` when unset), without a trailing slash. Refuses, naming
 * the variable, anything that `fetch` would reject or misuse: not an absolute http(s) URL, a user name or
 * password in it (credentials go in their own variables), a query string or fragment (request paths are
 * appended to it).
 */
export function baseUrlFrom(variables: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = (variables[name] || fallback).trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidConfigurationError(
      name,
      `is ${JSON.stringify(value.slice(0, 200))}, which is not a URL: give an absolute URL such as ${fallback}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidConfigurationError(name, `uses ${url.protocol.slice(0, -1)}: give an http:// or https:// URL such as ${fallback}`);
  }
  if (url.username || url.password) {
    throw new InvalidConfigurationError(name, 'holds a user name or password: give the API credential in its own variable, not in the URL');
  }
  if (url.search || url.hash) {
    throw new InvalidConfigurationError(
      name,
      `has a query string or fragment (${JSON.stringify(url.search + url.hash)}): give the base URL alone, such as ${fallback}`,
    );
  }
  return stripTrailingSlash(value);
}

/** S3_CHECKSUMS, `when_supported` when unset; any other value than the two modes is refused, naming them. */
export function s3ChecksumMode(variables: NodeJS.ProcessEnv): S3ChecksumMode {
  const text = variables.S3_CHECKSUMS?.trim() ?? '';
  if (!text) return 'when_supported';
  const mode = S3_CHECKSUM_MODES.find((candidate) => candidate === text.toLowerCase());
  if (!mode) {
    throw new InvalidConfigurationError(
      'S3_CHECKSUMS',
      `is ${JSON.stringify(text.slice(0, 200))}: give when_supported (the default: checksums on every request that allows them) or when_required (only where S3 demands one, for servers that reject checksums)`,
    );
  }
  return mode;
}

/** SOURCE_REQUEST_TIMEOUT_MS and SOURCE_REQUEST_ATTEMPTS, or their defaults when unset; a value that is not a whole number above 0 is refused. */
export function sourceRequestSettings(variables: NodeJS.ProcessEnv): SourceRequestSettings {
  return {
    timeoutMs: positiveIntegerVariable(variables, 'SOURCE_REQUEST_TIMEOUT_MS') ?? SOURCE_REQUEST_DEFAULTS.timeoutMs,
    attempts: positiveIntegerVariable(variables, 'SOURCE_REQUEST_ATTEMPTS') ?? SOURCE_REQUEST_DEFAULTS.attempts,
  };
}

/** NOTIFY_RETRY_FIRST_WAIT_MS, NOTIFY_RETRY_MAX_WAIT_MS and NOTIFY_GIVE_UP_MS, or their defaults; the longest wait may not be shorter than the first. */
export function notificationRetryPolicy(variables: NodeJS.ProcessEnv): NotificationRetryPolicy {
  const policy: NotificationRetryPolicy = {
    firstWaitMs: positiveIntegerVariable(variables, 'NOTIFY_RETRY_FIRST_WAIT_MS') ?? NOTIFY_RETRY_DEFAULTS.firstWaitMs,
    maxWaitMs: positiveIntegerVariable(variables, 'NOTIFY_RETRY_MAX_WAIT_MS') ?? NOTIFY_RETRY_DEFAULTS.maxWaitMs,
    giveUpAfterMs: positiveIntegerVariable(variables, 'NOTIFY_GIVE_UP_MS') ?? NOTIFY_RETRY_DEFAULTS.giveUpAfterMs,
  };
  if (policy.maxWaitMs < policy.firstWaitMs) {
    throw new InvalidConfigurationError(
      'NOTIFY_RETRY_MAX_WAIT_MS',
      `is ${policy.maxWaitMs}, shorter than the first wait (NOTIFY_RETRY_FIRST_WAIT_MS, ${policy.firstWaitMs}): give at least ${policy.firstWaitMs}`,
    );
  }
  return policy;
}

function positiveIntegerVariable(variables: NodeJS.ProcessEnv, name: string): number | undefined {
  return wholeNumberVariable(variables, name, 1, Number.MAX_SAFE_INTEGER);
}

function wholeNumberVariable(variables: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const text = variables[name]?.trim();
  if (!text) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new InvalidConfigurationError(name, `is ${JSON.stringify(text)}: give a whole number ${range}`);
  }
  return value;
}

/** BOARD_USER and BOARD_PASSWORD: both or neither. */
function accessCredentials(variables: NodeJS.ProcessEnv): AccessCredentials | undefined {
  const user = variables.BOARD_USER ?? '';
  const password = variables.BOARD_PASSWORD ?? '';
  if (!user && !password) return undefined;
  if (!user || !password) {
    throw new InvalidInputError(
      `Set both BOARD_USER and BOARD_PASSWORD (HTTP basic auth for the board and /metrics), or neither; only ${user ? 'BOARD_USER' : 'BOARD_PASSWORD'} is set.`,
    );
  }
  return { user, password };
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
