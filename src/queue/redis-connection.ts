import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { standaloneSettings, type RedisSettings } from '../config/redis-settings.js';
import { BulkExportError, RedisRefusedError, RedisUnavailableError } from '../errors/index.js';

export { redactUrl } from '../config/redis-settings.js';

/** Where to connect: the settings the environment gave, or a `redis://` / `rediss://` URL of one server (tests, scripts). */
export type RedisTarget = RedisSettings | string;

/**
 * A Redis connection as BullMQ workers need it: commands wait through reconnects instead of failing
 * after a few retries, so a restarted Redis (or a Cluster failing over) does not fail the jobs in flight.
 */
export function createRedisConnection(target: RedisTarget, name: string): Redis {
  return connect(redisSettingsOf(target), { connectionName: name, maxRetriesPerRequest: null, enableReadyCheck: true }, {});
}

/** A connection for short commands (CLI): fails fast when Redis is not there. */
export function createCommandConnection(target: RedisTarget, name: string): Redis {
  const giveUp = (times: number) => (times > 3 ? null : 200);
  return connect(
    redisSettingsOf(target),
    { connectionName: name, maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: giveUp },
    { lazyConnect: true, clusterRetryStrategy: giveUp },
  );
}

/**
 * Every client is made here, for any topology. The result is typed `Redis` for every consumer: a Cluster
 * runs the same commands, and what the code uses besides single-key commands (scripts declaring their
 * keys and MULTI, all within the prefix's slot; `time`; SCAN through `scanNodes`) behaves the same.
 */
function connect(settings: RedisSettings, options: RedisOptions, clusterOptions: ClusterOptions): Redis {
  const tls = settings.tls ? tlsOptions(settings.tls) : undefined;
  const common: RedisOptions = { ...options, ...settings.credentials, ...(tls ? { tls } : {}) };
  let client: Redis;
  if (settings.topology === 'standalone') {
    client = new Redis({ ...common, ...settings.endpoint, db: settings.db });
  } else if (settings.topology === 'sentinel') {
    const { username: sentinelUsername, password: sentinelPassword } = settings.sentinelCredentials;
    client = new Redis({
      ...common,
      sentinels: settings.sentinels,
      name: settings.masterName,
      ...(sentinelUsername ? { sentinelUsername } : {}),
      ...(sentinelPassword ? { sentinelPassword } : {}),
      // TLS, when on, reaches the sentinels and the master alike.
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      ...(options.retryStrategy ? { sentinelRetryStrategy: options.retryStrategy } : {}),
    });
  } else {
    const cluster = new Cluster(settings.nodes, {
      ...clusterOptions,
      enableReadyCheck: true,
      redisOptions: common,
      // With TLS, nodes are reached by the names they are given, so certificates issued for names verify
      // (the default resolves them to addresses first).
      ...(tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
    });
    if (settings.clockKey) pinClock(cluster, settings.clockKey);
    client = cluster as unknown as Redis;
  }
  // While Redis restarts, ioredis reconnects on its own and commands wait; the errors need no report of their own.
  client.on('error', () => undefined);
  return client;
}

function tlsOptions(tls: NonNullable<RedisSettings['tls']>): TlsOptions {
  return { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) };
}

const TIME_SCRIPT = "return redis.call('TIME')";

/**
 * A Cluster sends a command without a key to any node, and node clocks differ; the watermark and budget
 * arithmetic needs one clock for every process. TIME is therefore asked of the node serving `key`'s slot,
 * the node whose clock the budget scripts read.
 */
function pinClock(cluster: Cluster, key: string): void {
  Object.assign(cluster, { time: () => cluster.eval(TIME_SCRIPT, 1, key) as Promise<[string, string]> });
}

/**
 * The clients to SCAN to see every key: the connection itself, or each master of a Cluster (SCAN on a
 * Cluster client reaches one node only). A Cluster knows its masters once connected, so it is pinged first.
 */
export async function scanNodes(redis: Redis): Promise<Redis[]> {
  const candidate = redis as unknown as Cluster;
  if (!candidate.isCluster) return [redis];
  await candidate.ping();
  return candidate.nodes('master');
}

/** Redis could not be reached (refused, timed out, closed, out of reconnects), as opposed to a command Redis refused. */
export function isRedisUnreachable(error: unknown): boolean {
  const shape = (error ?? {}) as { name?: string; message?: string; code?: string };
  return (
    shape.name === 'MaxRetriesPerRequestError' ||
    shape.name === 'ClusterAllFailedError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(shape.code ?? '') ||
    /Connection is closed|max retries per request|Stream isn't writeable|None of startup nodes is available|All sentinels are unreachable|Cluster is disconnected/i.test(
      shape.message ?? '',
    )
  );
}

/**
 * Redis's reply refusing this client (wrong credentials, none given where needed, an ACL user without a
 * right), also when a Cluster wraps it as the last error of the nodes it tried; undefined otherwise.
 */
function refusalOf(error: unknown): string | undefined {
  const shape = (error ?? {}) as { message?: string; lastNodeError?: { message?: string } };
  return [shape.message, shape.lastNodeError?.message].find(
    (message) => message && /\b(WRONGPASS|NOAUTH|NOPERM)\b|ERR invalid password|ERR AUTH .*called without any password configured/.test(message),
  );
}

/**
 * The typed error for a failure to use Redis at all: refused (credentials, ACL) or unreachable; undefined
 * when the failure is neither, or already typed. `connectionError` is the connection's own last error,
 * which says more than a command's "max retries" does.
 */
export function redisAccessError(error: unknown, redisLabel: string, connectionError?: unknown): Error | undefined {
  if (error instanceof BulkExportError) return undefined;
  const refusal = refusalOf(error) ?? refusalOf(connectionError);
  if (refusal) return new RedisRefusedError(redisLabel, refusal);
  const problem = (connectionError as Error | undefined)?.message ?? (error as Error).message;
  if (isRedisUnreachable(error)) return new RedisUnavailableError(redisLabel, problem);
  return undefined;
}

/** Touches a key of the prefix from a script, as the exporter's own scripts do; reads only. */
const ACCESS_PROBE_SCRIPT = "return redis.call('EXISTS', KEYS[1])";

/**
 * Waits until Redis answers this client, and throws RedisRefusedError as soon as it refuses the
 * credentials: a worker with a wrong password stops with a message instead of retrying forever (a Cluster
 * or Sentinel client reports the refusal only as a connection error, so those are watched too). With a
 * prefix, it also tries what an ACL rule most often leaves out: INFO (BullMQ reads the server's version)
 * and scripts on the prefix's keys. A Redis that is down is waited for, as a worker's connection waits.
 */
export async function verifyRedisAccess(redis: Redis, settings: RedisSettings, prefix?: string): Promise<void> {
  let watch: ((error: unknown) => void) | undefined;
  const refused = new Promise<never>((_, reject) => {
    watch = (error) => {
      const refusal = refusalOf(error);
      if (refusal) reject(new RedisRefusedError(settings.label, refusal));
    };
    redis.on('error', watch);
  });
  try {
    await Promise.race([redis.ping(), refused]);
    if (prefix !== undefined) await Promise.all([redis.info('server'), redis.eval(ACCESS_PROBE_SCRIPT, 1, `${prefix}:access-probe`)]);
  } catch (error) {
    throw redisAccessError(error, settings.label) ?? error;
  } finally {
    redis.off('error', watch!);
  }
}

function redisSettingsOf(target: RedisTarget): RedisSettings {
  return typeof target === 'string' ? standaloneSettings(target) : target;
}
