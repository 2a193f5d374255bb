import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort } from '../../simulators/local-services/local-redis.js';
import { runCli } from '../support/cli-process.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.js';

const CONTACTS = 1_500;
const PASSWORD = 'acl-pass-7f3e9c1d';
const ADMIN_PASSWORD = 'admin-pass-52b8e0a4';
const WRONG_PASSWORD = 'wrong-pass-0d9a71c3';
const TLS_FILES = fileURLToPath(new URL('../support/redis-tls/', import.meta.url));

/** `start --wait` of a small export, then DuckDB finds every id exactly once. */
async function exportsExactly(fixture: ExportFixture, dest: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const args = ['start', '--source', 'virtuous', '--dest', dest, '--format', 'parquet', '--page-size', '250', '--part-rows', '500', '--wait'];
  const result = await fixture.cli(args, env);
  expect(result.code, result.stderr).toBe(0);
  const exportId = result.stdout.trim().split('\n').at(-1)!;
  const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
  const ids = await fixture.idsInParts(manifest);
  expect(ids.map((row) => row.id)).toEqual(fixture.simulator.expectedIds({ includeArchived: true }));
  expect(ids.every((row) => row.n === 1)).toBe(true);
}

describe('Redis ACL users', () => {
  let server: RedisServerProcess;
  let port: number;
  let fixture: ExportFixture;

  beforeAll(async () => {
    port = await freePort();
    server = await startRedisServer(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    fixture = await ExportFixture.create('acl', { contacts: CONTACTS, seed: 5 }, { redisUrl: `redis://exporter:${PASSWORD}@127.0.0.1:${port}` });
    // The rule docs/redis.md gives, on this test's prefix; the default user is switched off, so nothing gets in without a password.
    const admin = new Redis({ port, host: '127.0.0.1' });
    try {
      await admin.call('ACL', 'SETUSER', 'admin', 'on', `>${ADMIN_PASSWORD}`, '~*', '&*', '+@all');
      await admin.call('ACL', 'SETUSER', 'exporter', 'on', `>${PASSWORD}`, 'resetkeys', `~${fixture.prefix}*`, 'resetchannels', ...EXPORTER_COMMANDS);
      await admin.call('ACL', 'SETUSER', 'stranger', 'on', `>${PASSWORD}`, '~elsewhere:*', '+@all');
      await admin.call('ACL', 'SETUSER', 'default', 'off');
    } finally {
      admin.disconnect();
    }
  });

  afterAll(async () => {
    await fixture?.close();
    await server?.close();
  });

  it('exports exactly as a user limited to the prefix, with the credentials in REDIS_URL or in REDIS_USERNAME/REDIS_PASSWORD', async () => {
    const [worker] = await fixture.startWorkers(1, 2);
    await exportsExactly(fixture, `s3://${BUCKET}/acl`, {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_USERNAME: 'exporter',
      REDIS_PASSWORD: PASSWORD,
    });
    expect(worker!.output()).not.toContain('NOPERM');
    expect(worker!.output()).not.toContain(PASSWORD);
    // Nothing the worker or `start --wait` sent was refused: the documented rule is enough.
    const admin = new Redis({ port, host: '127.0.0.1', username: 'admin', password: ADMIN_PASSWORD });
    try {
      const refusals = ((await admin.call('ACL', 'LOG')) as unknown[][]).map((entry) => Object.fromEntries(chunks(entry)));
      expect(refusals.filter((entry) => entry.username === 'exporter')).toEqual([]);
    } finally {
      admin.disconnect();
    }
  });

  /** `status` or `worker` with the environment changed by `variables` (PORT stands for the server's port). */
  function run(command: 'status' | 'worker', variables: Record<string, string>) {
    const env = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, value.replace('PORT', String(port))]));
    return command === 'status' ? fixture.cli(['status', 'exp-20261122t214501-3f9a1c'], env) : runCli(['worker'], { ...fixture.env, ...env });
  }

  it.each([
    [
      'a wrong password in REDIS_URL',
      'worker',
      { REDIS_URL: `redis://exporter:${WRONG_PASSWORD}@127.0.0.1:PORT` },
      /refused the credentials \(WRONGPASS/,
    ],
    [
      'a wrong password in REDIS_URL',
      'status',
      { REDIS_URL: `redis://exporter:${WRONG_PASSWORD}@127.0.0.1:PORT` },
      /refused the credentials \(WRONGPASS/,
    ],
    [
      'a wrong REDIS_PASSWORD',
      'status',
      { REDIS_URL: 'redis://127.0.0.1:PORT', REDIS_USERNAME: 'exporter', REDIS_PASSWORD: WRONG_PASSWORD },
      /refused the credentials \(WRONGPASS/,
    ],
    ['no credentials', 'status', { REDIS_URL: 'redis://127.0.0.1:PORT' }, /refused the credentials \(NOAUTH/],
    [
      'a user without rights on the keys',
      'worker',
      { REDIS_URL: `redis://stranger:${PASSWORD}@127.0.0.1:PORT` },
      /refused a command to this user \(NOPERM/,
    ],
  ] as const)('%s stops `%s` with REDIS_REFUSED (exit 1), never showing a password', async (_label, command, variables, message) => {
    const outcome = await run(command, variables);
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stderr).toMatch(message);
    expect(outcome.stderr).toMatch(/Redis at redis:\/\/(\w+:\*\*\*@)?127\.0\.0\.1:\d+ refused/);
    expect(outcome.stderr + outcome.stdout).not.toContain(WRONG_PASSWORD);
    expect(outcome.stderr + outcome.stdout).not.toContain(PASSWORD);
  });
});

describe('Redis over TLS (rediss://) with a private CA and a client certificate', () => {
  let server: RedisServerProcess;
  let tlsPort: number;
  let fixture: ExportFixture;
  const tlsEnv = () => ({
    REDIS_URL: `rediss://127.0.0.1:${tlsPort}`,
    REDIS_TLS_CA_FILE: `${TLS_FILES}ca.crt`,
    REDIS_TLS_CERT_FILE: `${TLS_FILES}client.crt`,
    REDIS_TLS_KEY_FILE: `${TLS_FILES}client.key`,
  });

  beforeAll(async () => {
    const [plainPort, port] = [await freePort(), await freePort()];
    tlsPort = port;
    // A plain port too, for the test's own bookkeeping; the exporter's processes are given only the TLS port.
    server = await startRedisServer([
      '--port',
      String(plainPort),
      '--tls-port',
      String(tlsPort),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      `${TLS_FILES}server.crt`,
      '--tls-key-file',
      `${TLS_FILES}server.key`,
      '--tls-ca-cert-file',
      `${TLS_FILES}ca.crt`,
      '--tls-auth-clients',
      'yes',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    fixture = await ExportFixture.create('tls', { contacts: CONTACTS, seed: 6 }, { redisUrl: `redis://127.0.0.1:${plainPort}`, env: tlsEnv() });
  });

  afterAll(async () => {
    await fixture?.close();
    await server?.close();
  });

  it('exports exactly', async () => {
    await fixture.startWorkers(1, 2);
    await exportsExactly(fixture, `s3://${BUCKET}/tls`);
    const admin = new Redis(fixture.redisUrl);
    try {
      // The workers' connections are the TLS port's (redis-server lists each client's local port).
      const clients = ((await admin.client('LIST')) as string).split('\n').filter((line) => line.includes('name=bulk-export:'));
      expect(clients.length).toBeGreaterThan(0);
      expect(clients.every((line) => line.includes(`laddr=127.0.0.1:${tlsPort}`))).toBe(true);
    } finally {
      admin.disconnect();
    }
  });

  it('says which certificate failed when the CA is not given', async () => {
    const outcome = await fixture.cli(['status', 'exp-20261122t214501-3f9a1c'], { REDIS_TLS_CA_FILE: undefined });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/Redis at rediss:\/\/127\.0\.0\.1:\d+ did not answer \(.*certificate/);
  });

  it('refuses TLS files without TLS, with exit code 2', async () => {
    const outcome = await fixture.cli(['status', 'exp-20261122t214501-3f9a1c'], { REDIS_URL: `redis://127.0.0.1:${tlsPort}` });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('REDIS_TLS_CA_FILE is set but TLS is off: use a rediss:// REDIS_URL, or set REDIS_TLS=1');
  });
});

function chunks(flat: unknown[]): [unknown, unknown][] {
  return Array.from({ length: flat.length / 2 }, (_, index) => [flat[2 * index], flat[2 * index + 1]]);
}

/** The commands docs/redis.md lists for the exporter's ACL user (keep the two in step). */
const EXPORTER_COMMANDS = ['+@all', '-@dangerous', '+info'];
