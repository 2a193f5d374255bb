import { readFileSync } from 'node:fs';
import { InvalidConfigurationError, MissingConfigurationError } from '../errors/index.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_REDIS_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;

export interface RedisEndpoint {
  host: string;
  port: number;
}

/** PEM texts for TLS; unset fields fall back to Node's defaults (the public CAs, no client certificate). */
export interface RedisTlsSettings {
  /** REDIS_TLS_CA_FILE: the CA that signed the servers' certificates (a private CA). */
  ca?: string;
  /** REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE: a client certificate, for servers that ask for one. */
  cert?: string;
  key?: string;
}

/** ACL credentials (`AUTH user password`); a password alone authenticates as the `default` user. */
export interface RedisCredentials {
  username?: string;
  password?: string;
}

interface CommonRedisSettings {
  credentials: RedisCredentials;
  /** TLS to every server (rediss:// or REDIS_TLS=1); undefined = plain TCP. */
  tls: RedisTlsSettings | undefined;
  /** What a message may show of this Redis: never a password; for a Cluster or Sentinel, the variable to fix. */
  label: string;
}

/** One server: REDIS_URL. */
export interface StandaloneRedisSettings extends CommonRedisSettings {
  topology: 'standalone';
  endpoint: RedisEndpoint;
  db: number;
}

/** A Redis Cluster: REDIS_CLUSTER_NODES (some of its masters; the client discovers the rest). */
export interface ClusterRedisSettings extends CommonRedisSettings {
  topology: 'cluster';
  nodes: RedisEndpoint[];
  /**
   * A key in the slot every key of the queue prefix hashes to. Commands without a key go to any node of
   * a Cluster, and node clocks differ; TIME is asked of this key's node instead, the one whose clock the
   * budget scripts read, so every process measures with one clock.
   */
  clockKey?: string;
}

/** A master found through Redis Sentinel: REDIS_SENTINELS and REDIS_SENTINEL_NAME. */
export interface SentinelRedisSettings extends CommonRedisSettings {
  topology: 'sentinel';
  sentinels: RedisEndpoint[];
  masterName: string;
  /** REDIS_SENTINEL_USERNAME / REDIS_SENTINEL_PASSWORD: the sentinels' own credentials, when they have some. */
  sentinelCredentials: RedisCredentials;
}

export type RedisSettings = StandaloneRedisSettings | ClusterRedisSettings | SentinelRedisSettings;

const TOPOLOGY_VARIABLES = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const;

/**
 * The Redis every process shares, from the environment: REDIS_URL (one server, the default),
 * REDIS_CLUSTER_NODES (a Cluster) or REDIS_SENTINELS + REDIS_SENTINEL_NAME (a master behind Sentinel),
 * exactly one of them; REDIS_USERNAME / REDIS_PASSWORD; TLS from rediss:// or REDIS_TLS with the
 * REDIS_TLS_*_FILE PEM files. Anything unusable is refused naming its variable (exit 2), never guessed.
 */
export function readRedisSettings(variables: NodeJS.ProcessEnv): RedisSettings {
  const given = TOPOLOGY_VARIABLES.filter((name) => variables[name]?.trim());
  if (given.length > 1) {
    throw new InvalidConfigurationError(
      given[1]!,
      `is set together with ${given[0]}: set one of REDIS_URL (one server), REDIS_CLUSTER_NODES (a Redis Cluster) or REDIS_SENTINELS (Sentinel), and unset the other`,
    );
  }
  if (variables.REDIS_SENTINEL_NAME?.trim() && given[0] !== 'REDIS_SENTINELS') {
    throw new InvalidConfigurationError('REDIS_SENTINEL_NAME', 'is set but REDIS_SENTINELS is not: give the sentinels as host:port,host:port too');
  }
  const topology = given[0] ?? 'REDIS_URL';
  if (topology === 'REDIS_URL') return standaloneSettings(variables.REDIS_URL?.trim() || DEFAULT_REDIS_URL, variables);
  const credentials = credentialsFrom(variables, {});
  const tls = tlsFrom(variables, false);
  if (topology === 'REDIS_CLUSTER_NODES') {
    const nodes = endpointsFrom(variables, 'REDIS_CLUSTER_NODES', DEFAULT_REDIS_PORT);
    return { topology: 'cluster', nodes, credentials, tls, label: `Redis Cluster ${nodes.map(formatEndpoint).join(',')} (REDIS_CLUSTER_NODES)` };
  }
  const sentinels = endpointsFrom(variables, 'REDIS_SENTINELS', DEFAULT_SENTINEL_PORT);
  const masterName = variables.REDIS_SENTINEL_NAME?.trim();
  if (!masterName)
    throw new MissingConfigurationError('REDIS_SENTINEL_NAME', 'the name of the master the sentinels watch (their "sentinel monitor NAME ...")');
  const sentinelCredentials: RedisCredentials = {
    ...(variables.REDIS_SENTINEL_USERNAME ? { username: variables.REDIS_SENTINEL_USERNAME } : {}),
    ...(variables.REDIS_SENTINEL_PASSWORD ? { password: variables.REDIS_SENTINEL_PASSWORD } : {}),
  };
  const label = `Redis master "${masterName}" of the sentinels ${sentinels.map(formatEndpoint).join(',')} (REDIS_SENTINELS)`;
  return { topology: 'sentinel', sentinels, masterName, sentinelCredentials, credentials, tls, label };
}

/**
 * One server from a `redis://` or `rediss://` (TLS) URL: `[user[:password]@]host[:port][/db]`. Credentials
 * may come from REDIS_USERNAME / REDIS_PASSWORD instead (not both), TLS files from REDIS_TLS_*_FILE.
 */
export function standaloneSettings(url: string, variables: NodeJS.ProcessEnv = {}): StandaloneRedisSettings {
  const variable = 'REDIS_URL';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidConfigurationError(
      variable,
      `is not a URL: give redis://HOST:PORT, or rediss://HOST:PORT for TLS, such as ${DEFAULT_REDIS_URL}`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidConfigurationError(variable, `uses ${parsed.protocol.slice(0, -1)}: give redis://HOST:PORT, or rediss://HOST:PORT for TLS`);
  }
  if (!parsed.hostname) throw new InvalidConfigurationError(variable, 'has no host: give redis://HOST:PORT');
  if (parsed.search || parsed.hash) {
    throw new InvalidConfigurationError(variable, 'has a query string or fragment, which is not read: give [user:password@]HOST:PORT[/DB] alone');
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText && !/^\d{1,5}$/.test(dbText)) {
    throw new InvalidConfigurationError(
      variable,
      `names the database ${JSON.stringify(dbText.slice(0, 20))}: give a database number, such as /0, or none`,
    );
  }
  const inUrl: RedisCredentials = {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
  const endpoint = { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: parsed.port ? Number(parsed.port) : DEFAULT_REDIS_PORT };
  const credentials = credentialsFrom(variables, inUrl);
  const tls = tlsFrom(variables, parsed.protocol === 'rediss:');
  return { topology: 'standalone', endpoint, db: Number(dbText || 0), credentials, tls, label: redactUrl(url) };
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/**
 * The hash tag of a key as Redis Cluster reads it: the text between the first `{` and the first `}`
 * after it, when not empty. Keys with the same tag hash to the same slot.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/**
 * On a Cluster every key of a queue, and every key one script or transaction touches, must share a slot:
 * the queue prefix has to carry a hash tag. A prefix without one is refused rather than wrapped in braces
 * on the quiet, so the keys in Redis are always named exactly as BULK_EXPORT_QUEUE_PREFIX says.
 */
export function requireClusterPrefix(prefix: string, settings: RedisSettings): void {
  if (settings.topology !== 'cluster' || hashTagOf(prefix) !== undefined) return;
  throw new InvalidConfigurationError(
    'BULK_EXPORT_QUEUE_PREFIX',
    `is ${JSON.stringify(prefix)}, which has no hash tag, so a Redis Cluster would spread one queue's keys over many slots: ` +
      `give a prefix with a {tag}, such as ${JSON.stringify(`{${prefix.replace(/[{}]/g, '') || 'bulk-export'}}`)} (the default is {bulk-export})`,
  );
}

function credentialsFrom(variables: NodeJS.ProcessEnv, inUrl: RedisCredentials): RedisCredentials {
  const credentials = { ...inUrl };
  for (const [field, name] of [
    ['username', 'REDIS_USERNAME'],
    ['password', 'REDIS_PASSWORD'],
  ] as const) {
    const value = variables[name];
    if (!value) continue;
    if (inUrl[field] !== undefined) throw new InvalidConfigurationError(name, `is set and REDIS_URL holds a ${field} too: give it in one place`);
    credentials[field] = value;
  }
  return credentials;
}

function tlsFrom(variables: NodeJS.ProcessEnv, impliedByUrl: boolean): RedisTlsSettings | undefined {
  const flag = variables.REDIS_TLS?.trim().toLowerCase();
  if (flag && !['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'].includes(flag)) {
    throw new InvalidConfigurationError('REDIS_TLS', `is ${JSON.stringify(flag.slice(0, 20))}: give 1 (TLS to Redis) or 0`);
  }
  const enabled = impliedByUrl || ['1', 'true', 'yes', 'on'].includes(flag ?? '');
  const files = { ca: 'REDIS_TLS_CA_FILE', cert: 'REDIS_TLS_CERT_FILE', key: 'REDIS_TLS_KEY_FILE' } as const;
  const tls: RedisTlsSettings = {};
  for (const [field, name] of Object.entries(files) as [keyof RedisTlsSettings, string][]) {
    const path = variables[name]?.trim();
    if (!path) continue;
    if (!enabled) throw new InvalidConfigurationError(name, 'is set but TLS is off: use a rediss:// REDIS_URL, or set REDIS_TLS=1');
    tls[field] = readPem(path, name);
  }
  if (Boolean(tls.cert) !== Boolean(tls.key)) {
    const missing = tls.cert ? 'REDIS_TLS_KEY_FILE' : 'REDIS_TLS_CERT_FILE';
    throw new InvalidConfigurationError(missing, 'is not set: a client certificate needs both REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE');
  }
  return enabled ? tls : undefined;
}

function readPem(path: string, variable: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidConfigurationError(
      variable,
      `names ${JSON.stringify(path)}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (!text.includes('-----BEGIN ')) throw new InvalidConfigurationError(variable, `names ${JSON.stringify(path)}, which is not a PEM file`);
  return text;
}

function endpointsFrom(variables: NodeJS.ProcessEnv, variable: string, defaultPort: number): RedisEndpoint[] {
  const entries = (variables[variable] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new InvalidConfigurationError(variable, 'lists no server: give host:port,host:port');
  return entries.map((entry) => {
    const match = /^(?:\[([^\]]+)\]|([^:[\]/@\s]+))(?::(\d{1,5}))?$/.exec(entry);
    const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
    if (!match || port < 1 || port > 65_535) {
      throw new InvalidConfigurationError(
        variable,
        `holds ${JSON.stringify(entry.slice(0, 100))}: give host:port entries separated by commas, such as 10.0.0.1:${defaultPort}`,
      );
    }
    return { host: match[1] ?? match[2]!, port };
  });
}

function formatEndpoint(endpoint: RedisEndpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
