import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3Settings } from '../../src/config/environment.js';

export interface LocalS3 {
  endpoint: string;
  settings: S3Settings;
  /** Environment for processes that should use this endpoint. */
  variables: Record<string, string>;
  close(): Promise<void>;
}

/**
 * An S3 endpoint (s3rver) on loopback with the given buckets, storing in a temporary folder. Its clients
 * send checksums only where S3 requires them (S3_CHECKSUMS=when_required): s3rver does not understand the
 * SDK's default `aws-chunked` uploads with a trailing checksum and would store their framing as the object.
 */
export async function startLocalS3(buckets: string[], options: { port?: number; directory?: string } = {}): Promise<LocalS3> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'bulk-export-s3-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    settings: {
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      checksums: 'when_required',
    },
    variables: {
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      S3_CHECKSUMS: 'when_required',
    },
    async close() {
      await server.close();
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}
