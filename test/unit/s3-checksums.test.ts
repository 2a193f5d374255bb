import type { S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnvironment, s3ChecksumMode, type S3ChecksumMode } from '../../src/config/environment.js';
import { InvalidConfigurationError, InvalidInputError } from '../../src/errors/index.js';
import { createS3Client } from '../../src/sinks/s3/s3-client.js';
import { ObjectStore } from '../../src/sinks/s3/object-store.js';
import { startLocalS3, type LocalS3 } from '../../simulators/local-services/local-s3.js';
import { runCli } from '../support/cli-process.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';

const ALLOWED =
  /S3_CHECKSUMS is "sometimes": give when_supported \(the default: .*\) or when_required \(.*\)\. Fix S3_CHECKSUMS in the environment and try again\./;

/** The checksum headers of the requests `client` sends, as they leave it (after the SDK's checksum step). */
function recordChecksumHeaders(client: S3Client): string[][] {
  const sent: string[][] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      sent.push(Object.keys(headers).filter((name) => name.toLowerCase().startsWith('x-amz-checksum-') || name.toLowerCase() === 'content-md5'));
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordChecksumHeaders' },
  );
  return sent;
}

describe('S3_CHECKSUMS', () => {
  it('is when_supported (the SDK default) unless set, and reads when_required in any case', () => {
    expect(readEnvironment({}).s3.checksums).toBe('when_supported');
    expect(readEnvironment({ S3_CHECKSUMS: '' }).s3.checksums).toBe('when_supported');
    expect(readEnvironment({ S3_CHECKSUMS: 'when_required' }).s3.checksums).toBe('when_required');
    expect(s3ChecksumMode({ S3_CHECKSUMS: ' WHEN_REQUIRED ' })).toBe('when_required');
    expect(s3ChecksumMode({ S3_CHECKSUMS: 'when_supported' })).toBe('when_supported');
  });

  it('refuses any other value, naming the variable and both values (bad input: exit 2)', () => {
    let refused: unknown;
    try {
      readEnvironment({ S3_CHECKSUMS: 'sometimes' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(InvalidConfigurationError);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidConfigurationError).variable).toBe('S3_CHECKSUMS');
    expect((refused as Error).message).toMatch(ALLOWED);
  });

  it.each<[S3ChecksumMode | undefined, string]>([
    [undefined, 'WHEN_SUPPORTED'],
    ['when_supported', 'WHEN_SUPPORTED'],
    ['when_required', 'WHEN_REQUIRED'],
  ])('%s gives the S3 client request and response checksums %s', async (mode, expected) => {
    const client = createS3Client({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      forcePathStyle: true,
      ...(mode ? { checksums: mode } : {}),
    });
    try {
      expect(await client.config.requestChecksumCalculation()).toBe(expected);
      expect(await client.config.responseChecksumValidation()).toBe(expected);
    } finally {
      client.destroy();
    }
  });
});

describe('S3 checksums on the wire (s3rver)', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3(['checksums']);
  });
  afterAll(() => s3?.close());

  it('sends a CRC with every upload by default, none with when_required, and reads the same bytes back either way', async () => {
    const part = new Uint8Array(64 * 1024).map((_, index) => (index * 31) % 251);
    for (const mode of ['when_supported', 'when_required'] as const) {
      const client = createS3Client({ ...s3.settings, checksums: mode });
      const sent = recordChecksumHeaders(client);
      try {
        const store = new ObjectStore(client, 'checksums');
        await store.put(`${mode}/part-00000.parquet`, part, { contentType: 'application/vnd.apache.parquet' });
        await store.put(`${mode}/_SUCCESS`, '', { contentType: 'text/plain' });
        expect(Buffer.from(await store.getBytes(`${mode}/part-00000.parquet`)).equals(Buffer.from(part))).toBe(true);
        expect(await store.getText(`${mode}/_SUCCESS`)).toBe('');
        const [partUpload, markerUpload] = sent;
        if (mode === 'when_supported') {
          expect(partUpload).toContain('x-amz-checksum-crc32');
          expect(markerUpload).toContain('x-amz-checksum-crc32');
        } else {
          expect(partUpload).toEqual([]);
          expect(markerUpload).toEqual([]);
        }
      } finally {
        client.destroy();
      }
    }
  });
});

describe('a bad S3_CHECKSUMS stops a command before it does anything', () => {
  it('start and worker exit 2 with the message, and nothing is written to Redis', async () => {
    const redis = await testRedis();
    const prefix = uniquePrefix('s3-checksums');
    const env = {
      PATH: process.env.PATH,
      REDIS_URL: redis.url,
      BULK_EXPORT_QUEUE_PREFIX: prefix,
      VIRTUOUS_API_TOKEN: 'token',
      S3_CHECKSUMS: 'sometimes',
    };
    try {
      for (const args of [['start', '--source', 'virtuous', '--dest', 's3://exports/crm'], ['worker']]) {
        const result = await runCli(args, env);
        expect(result.code, `${args[0]}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toMatch(ALLOWED);
        expect(result.stdout).toBe('');
      }
      const client = new Redis(redis.url);
      try {
        expect(await client.keys(`${prefix}:*`)).toEqual([]);
      } finally {
        client.disconnect();
      }
    } finally {
      await dropPrefix(redis.url, prefix);
    }
  });
});
