import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../simulators/local-services/local-redis.js';
import { startLocalS3, type LocalS3 } from '../../simulators/local-services/local-s3.js';
import { OLDEST_SUPPORTED_NODE_MAJOR } from '../../src/logging/node-version-notice.js';
import { runCli, spawnWorker } from '../support/cli-process.js';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.js';
import { uniquePrefix } from '../support/test-redis.js';

const PASSWORD = 'redis-pass-6c2e91f0d4';
const WRONG_PASSWORD = 'wrong-pass-b83f5a07e1';
const NODE_NOTICE = /Node v\d+\.\d+\.\d+ is past its end of life: Node 22 or later is required/;
/** Text of the AWS SDK's own notice (`NodeVersionSupportWarning`), which the one line replaces. */
const SDK_NOTICE = /NodeVersionSupportWarning|AWS SDK for JavaScript|a\.co\/c895JFp/;
/** The notice appears once on a Node older than 22 (Node 20 on the development machines), and never on 22 or later. */
const noticesExpected = Number(process.versions.node.split('.')[0]) < OLDEST_SUPPORTED_NODE_MAJOR ? 1 : 0;

/**
 * `bulk-export worker` is the one way to start a worker (the image, compose and Kubernetes run it), so a
 * worker starts as every command does: credentials from `<NAME>_FILE`, errors redacted before they are
 * shown, and one line about a Node past its end of life instead of the AWS SDK's eight.
 */
describe('a worker starts as every command does', () => {
  let redis: RedisServerProcess;
  let redisPort: number;
  let front: QuotingRedisFront;
  let s3: LocalS3;
  let secrets: string;
  const baseEnv = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    BULK_EXPORT_QUEUE_PREFIX: uniquePrefix('worker-entry'),
    LOG_LEVEL: 'info',
    ...s3.variables,
  });

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedisServer([
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--requirepass',
      PASSWORD,
    ]);
    front = await startQuotingRedisFront(redisPort);
    s3 = await startLocalS3(['exports']);
    secrets = await mkdtemp(join(tmpdir(), 'worker-entry-'));
    // As `echo` and editors leave them: with a trailing line break, which is not part of the credential.
    await writeFile(join(secrets, 'redis-password'), `${PASSWORD}\n`, { mode: 0o600 });
    await writeFile(join(secrets, 'wrong-redis-password'), `${WRONG_PASSWORD}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    await front?.close();
    await redis?.close();
    await s3?.close();
    if (secrets) await rm(secrets, { recursive: true, force: true });
  });

  it('reads its Redis password from REDIS_PASSWORD_FILE and logs only JSON lines, the Node notice among them at most once', async () => {
    const worker = await spawnWorker({
      ...baseEnv(),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_PASSWORD_FILE: join(secrets, 'redis-password'),
    });
    await worker.stop();
    const output = worker.output();
    // The Redis requires the password: a worker that had not read the file would have been refused, not ready.
    const records = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string; nodeVersion?: string });
    expect(records.some((record) => record.msg === 'worker ready')).toBe(true);
    const notices = records.filter((record) => NODE_NOTICE.test(record.msg));
    expect(notices).toHaveLength(noticesExpected);
    for (const notice of notices) expect(notice).toMatchObject({ level: 40, nodeVersion: process.version });
    expect(output).not.toMatch(SDK_NOTICE);
    expect(output).not.toContain(PASSWORD);
  });

  it('reports an error that quotes the credential it read from a file with the credential redacted (exit 1)', async () => {
    const outcome = await runCli(['worker'], {
      ...baseEnv(),
      REDIS_URL: `redis://127.0.0.1:${front.port}`,
      REDIS_PASSWORD_FILE: join(secrets, 'wrong-redis-password'),
    });
    expect(outcome.code, outcome.stderr).toBe(1);
    // The worker sent the file's password, less its line break; the refusal quoted it back.
    expect(front.passwordsSent).toContain(WRONG_PASSWORD);
    expect(outcome.stderr).toMatch(/error: Redis at redis:\/\/127\.0\.0\.1:\d+ refused the credentials \(WRONGPASS invalid password "\[redacted\]"/);
    expect(outcome.stderr + outcome.stdout).not.toContain(WRONG_PASSWORD);
    expect(outcome.stderr).not.toMatch(SDK_NOTICE);
  });

  it('a command that touches S3 says once, on one line, that the Node is past its end of life, and the AWS SDK says nothing', async () => {
    const outcome = await runCli(['ddl', '--target', 'duckdb', '--dest', 's3://exports/crm'], baseEnv());
    // It read the empty bucket through the AWS SDK, and found nothing committed there.
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stderr).toContain('error: No committed export under s3://exports/crm');
    const lines = outcome.stderr.split('\n');
    expect(lines.filter((line) => NODE_NOTICE.test(line))).toEqual(
      noticesExpected === 1
        ? [expect.stringMatching(new RegExp(`^bulk-export: Node ${process.version} is past its end of life: .*; this run goes on$`))]
        : [],
    );
    expect(outcome.stderr).not.toMatch(SDK_NOTICE);
  });
});

interface QuotingRedisFront {
  port: number;
  /** The passwords clients sent in AUTH, in order. */
  passwordsSent: string[];
  close(): Promise<void>;
}

/**
 * A TCP front of a real Redis that quotes, in its refusal of AUTH, the password it was sent: the worst a
 * server could do with a credential, which the process must not pass on to its output.
 */
async function startQuotingRedisFront(redisPort: number): Promise<QuotingRedisFront> {
  const passwordsSent: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(redisPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let lastPassword = '';
    client.on('data', (chunk: Buffer) => {
      const password = authPassword(chunk.toString('latin1'));
      if (password !== undefined) {
        passwordsSent.push(password);
        lastPassword = password;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk.toString('latin1').replace(/-WRONGPASS [^\r]*\r\n/, `-WRONGPASS invalid password "${lastPassword}"\r\n`), 'latin1');
    });
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      socket.on('close', () => {
        sockets.delete(socket);
        other.destroy();
      });
      socket.on('error', () => other.destroy());
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    passwordsSent,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** The password of an `AUTH [user] password` command in RESP, when `commands` holds one. */
function authPassword(commands: string): string | undefined {
  return /\*[23]\r\n\$4\r\nauth\r\n(?:\$\d+\r\n[^\r\n]*\r\n)?\$\d+\r\n([^\r\n]*)\r\n/i.exec(commands)?.[1];
}
