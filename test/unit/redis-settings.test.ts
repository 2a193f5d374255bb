import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readEnvironment } from '../../src/config/environment.js';
import { hashTagOf, readRedisSettings } from '../../src/config/redis-settings.js';
import { InvalidConfigurationError, MissingConfigurationError } from '../../src/errors/index.js';

const CA_FILE = fileURLToPath(new URL('../support/redis-tls/ca.crt', import.meta.url));

describe('Redis settings from the environment', () => {
  it('defaults to one server on loopback', () => {
    expect(readRedisSettings({})).toMatchObject({ topology: 'standalone', endpoint: { host: '127.0.0.1', port: 6379 }, db: 0, tls: undefined });
  });

  it('reads rediss:// with ACL credentials and a database, and labels it without the password', () => {
    const settings = readRedisSettings({ REDIS_URL: 'rediss://exporter:p%40ss-word@redis.internal:6380/2', REDIS_TLS_CA_FILE: CA_FILE });
    expect(settings).toMatchObject({
      topology: 'standalone',
      endpoint: { host: 'redis.internal', port: 6380 },
      db: 2,
      credentials: { username: 'exporter', password: 'p@ss-word' },
    });
    expect(settings.tls?.ca).toContain('-----BEGIN CERTIFICATE-----');
    expect(settings.label).toBe('rediss://exporter:***@redis.internal:6380/2');
  });

  it('takes the credentials from REDIS_USERNAME and REDIS_PASSWORD, in one place only', () => {
    expect(readRedisSettings({ REDIS_URL: 'redis://10.0.0.5', REDIS_USERNAME: 'exporter', REDIS_PASSWORD: 'secret-1' }).credentials).toEqual({
      username: 'exporter',
      password: 'secret-1',
    });
    expect(() => readRedisSettings({ REDIS_URL: 'redis://:a@10.0.0.5', REDIS_PASSWORD: 'b' })).toThrow(
      /REDIS_PASSWORD is set and REDIS_URL holds a password too/,
    );
  });

  it('reads a Cluster, TLS from REDIS_TLS, and makes TIME ask the node of the prefix', () => {
    const environment = readEnvironment({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2 ,[fd00::3]:7002',
      REDIS_TLS: '1',
      REDIS_PASSWORD: 'secret-2',
    });
    expect(environment.redis).toMatchObject({
      topology: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: 'fd00::3', port: 7002 },
      ],
      credentials: { password: 'secret-2' },
      tls: {},
      clockKey: '{bulk-export}',
    });
    expect(environment.redis.label).toBe('Redis Cluster 10.0.0.1:7000,10.0.0.2:6379,[fd00::3]:7002 (REDIS_CLUSTER_NODES)');
  });

  it('reads a Sentinel master with the sentinels’ own password', () => {
    const settings = readRedisSettings({ REDIS_SENTINELS: 's1,s2:26380', REDIS_SENTINEL_NAME: 'exports', REDIS_SENTINEL_PASSWORD: 'secret-3' });
    expect(settings).toMatchObject({
      topology: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      masterName: 'exports',
      sentinelCredentials: { password: 'secret-3' },
    });
    expect(settings.label).not.toContain('secret-3');
  });

  it.each([
    [{ REDIS_URL: 'redis://a', REDIS_SENTINELS: 's1' }, InvalidConfigurationError, /REDIS_SENTINELS is set together with REDIS_URL/],
    [{ REDIS_SENTINELS: 's1' }, MissingConfigurationError, /REDIS_SENTINEL_NAME is not set/],
    [{ REDIS_SENTINEL_NAME: 'exports' }, InvalidConfigurationError, /REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not/],
    [{ REDIS_URL: 'http://a' }, InvalidConfigurationError, /REDIS_URL uses http/],
    [{ REDIS_URL: 'redis://a?tls=true' }, InvalidConfigurationError, /REDIS_URL has a query string/],
    [{ REDIS_CLUSTER_NODES: ' , ' }, InvalidConfigurationError, /REDIS_CLUSTER_NODES lists no server/],
    [{ REDIS_CLUSTER_NODES: 'a:99999' }, InvalidConfigurationError, /REDIS_CLUSTER_NODES holds "a:99999"/],
    [{ REDIS_TLS_CA_FILE: CA_FILE }, InvalidConfigurationError, /REDIS_TLS_CA_FILE is set but TLS is off/],
    [{ REDIS_TLS: '1', REDIS_TLS_CERT_FILE: CA_FILE }, InvalidConfigurationError, /REDIS_TLS_KEY_FILE is not set/],
    [{ REDIS_TLS: '1', REDIS_TLS_CA_FILE: '/etc/hostname-does-not-exist' }, InvalidConfigurationError, /cannot be read \(ENOENT\)/],
  ])('refuses %o', (variables, type, message) => {
    expect(() => readRedisSettings(variables)).toThrow(type);
    expect(() => readRedisSettings(variables)).toThrow(message);
  });

  it('refuses a Cluster with a queue prefix that is no hash tag, and accepts one that holds a tag', () => {
    expect(() => readEnvironment({ REDIS_CLUSTER_NODES: 'a:7000', BULK_EXPORT_QUEUE_PREFIX: 'exports' })).toThrow(/has no hash tag.*"\{exports\}"/);
    expect(() => readEnvironment({ REDIS_CLUSTER_NODES: 'a:7000', BULK_EXPORT_QUEUE_PREFIX: 'a{}{b}' })).toThrow(/has no hash tag/);
    expect(readEnvironment({ REDIS_CLUSTER_NODES: 'a:7000', BULK_EXPORT_QUEUE_PREFIX: 'team-{exports}' }).queuePrefix).toBe('team-{exports}');
    expect(readEnvironment({ BULK_EXPORT_QUEUE_PREFIX: 'exports' }).queuePrefix).toBe('exports');
  });

  it('finds hash tags as Redis Cluster does', () => {
    // The examples of the Redis Cluster specification.
    expect(hashTagOf('{user1000}.following')).toBe('user1000');
    expect(hashTagOf('foo{}{bar}')).toBeUndefined();
    expect(hashTagOf('foo{{bar}}zap')).toBe('{bar');
    expect(hashTagOf('foo{bar}{zap}')).toBe('bar');
    expect(hashTagOf('{bulk-export}:export-ranges:wait')).toBe('bulk-export');
  });
});
