import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3OutagePolicy } from '../../config/environment.js';
import { S3RequestError, type S3RequestTarget } from '../../errors/index.js';
import { describeS3Failure, isNotFound, isTransientS3Failure } from './s3-failure.js';
import { AttemptObserver } from './s3-attempt-observer.js';

export interface StoredObject {
  key: string;
  size: number;
}

/**
 * An S3 request attempt that failed (`request`; the SDK tries again while the request has attempts left),
 * or an operation whose attempts all failed and that is tried again after an outage wait (`outage`).
 */
export interface S3RetryEvent {
  kind: 'request' | 'outage';
  target: S3RequestTarget;
  /** `request`: which attempt of the request failed; `outage`: the attempts of the operation so far, all failed. */
  attempt: number;
  /** The attempts one request may make (S3_MAX_ATTEMPTS). */
  maxAttempts: number;
  problem: string;
  /** Outage waits: how long until the next try. */
  waitMs?: number;
  /** Outage waits: since when the operation has been failing. */
  failingSince?: string;
}

export interface ObjectStoreOptions {
  /** Wait out S3 outages this way (see S3OutagePolicy); absent = fail as soon as a request's attempts are spent. */
  outage?: S3OutagePolicy;
  /** Told of every failed attempt and every outage wait, to log them and show them in `status`. */
  onRetry?: (event: S3RetryEvent) => void;
  /** Runs before each outage wait; throwing stops the waiting with that error (an operator's cancel). */
  beforeOutageWait?: () => Promise<void>;
  /** Aborts every request and wait of this store (a worker stopping), on top of each call's own signal. */
  signal?: AbortSignal;
}

/**
 * The few S3 operations the exporter needs, on one bucket. Each failed attempt is reported with its
 * operation, key and endpoint; a failure that outlives the request's attempts is an S3RequestError saying
 * which operation failed where and what to check, after outage waits when an outage policy is given.
 */
export class ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly options: ObjectStoreOptions = {},
  ) {}

  /**
   * One PUT; resolves only once S3 confirmed the whole object. `signal` aborts the request itself (the
   * socket is destroyed), not just the wait for it, so an abandoned upload does not go on in the background.
   */
  async put(
    key: string,
    body: Uint8Array | string,
    options: { contentType: string; metadata?: Record<string, string>; signal?: AbortSignal },
  ): Promise<void> {
    await this.run('PutObject', key, options.signal, (watch, signal) =>
      this.client.send(
        watch(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            // Always given: the SDK leaves it out for an empty body (`_SUCCESS`) and then warns on the console.
            ContentLength: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
            ContentType: options.contentType,
            Metadata: options.metadata,
          }),
        ),
        { abortSignal: signal },
      ),
    );
  }

  /** Throws when the bucket does not exist or cannot be reached with these credentials. */
  async checkBucket(): Promise<void> {
    await this.run('HeadBucket', undefined, undefined, (watch, signal) =>
      this.client.send(watch(new HeadBucketCommand({ Bucket: this.bucket })), { abortSignal: signal }),
    );
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      return await this.run('GetObject', key, undefined, async (watch, signal) => {
        const response = await this.client.send(watch(new GetObjectCommand({ Bucket: this.bucket, Key: key })), { abortSignal: signal });
        return response.Body!.transformToString('utf8');
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async getBytes(key: string): Promise<Uint8Array> {
    return this.run('GetObject', key, undefined, async (watch, signal) => {
      const response = await this.client.send(watch(new GetObjectCommand({ Bucket: this.bucket, Key: key })), { abortSignal: signal });
      return response.Body!.transformToByteArray();
    });
  }

  /** User metadata of an object (S3 lower-cases the names). */
  async metadata(key: string): Promise<Record<string, string>> {
    const response = await this.run('HeadObject', key, undefined, (watch, signal) =>
      this.client.send(watch(new HeadObjectCommand({ Bucket: this.bucket, Key: key })), { abortSignal: signal }),
    );
    return response.Metadata ?? {};
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.run('HeadObject', key, undefined, (watch, signal) =>
        this.client.send(watch(new HeadObjectCommand({ Bucket: this.bucket, Key: key })), { abortSignal: signal }),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.run('ListObjectsV2', prefix, undefined, (watch, signal) =>
        this.client.send(watch(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })), { abortSignal: signal }),
      );
      for (const item of page.Contents ?? []) objects.push({ key: item.Key!, size: item.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  /** The "folders" directly under a prefix (common prefixes up to the next `/`), each ending in `/`. */
  async listFolders(prefix: string): Promise<string[]> {
    const folders: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.run('ListObjectsV2', prefix, undefined, (watch, signal) =>
        this.client.send(watch(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })), {
          abortSignal: signal,
        }),
      );
      for (const common of page.CommonPrefixes ?? []) folders.push(common.Prefix!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return folders;
  }

  /** Deletes one object; deleting an object that is not there succeeds. */
  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.run('DeleteObject', key, options.signal, (watch, signal) =>
      this.client.send(watch(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })), { abortSignal: signal }),
    );
  }

  async deleteMany(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000);
      await this.run('DeleteObjects', batch[0], undefined, (watch, signal) =>
        this.client.send(watch(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })), {
          abortSignal: signal,
        }),
      );
    }
  }

  /**
   * Sends one operation (the SDK retries each request on its own), and when it still fails transiently
   * and an outage policy is set, tries again after growing waits until the policy gives up. An aborted
   * operation rethrows the abort as it is; any other failure becomes an S3RequestError.
   */
  private async run<T>(
    operation: string,
    key: string | undefined,
    callSignal: AbortSignal | undefined,
    send: (watch: AttemptObserver['watch'], signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    const signals = [this.options.signal, callSignal].filter((candidate): candidate is AbortSignal => candidate !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const policy = this.options.outage;
    const target: S3RequestTarget = { operation, bucket: this.bucket, ...(key === undefined ? {} : { key }), endpoint: 'the S3 endpoint' };
    const maxAttempts = await this.client.config.maxAttempts();
    let attempts = 0;
    // The operation has been failing since it began: its first request's tries may have taken minutes already.
    const failingSince = Date.now();
    let waitMs = policy?.firstWaitMs ?? 0;
    for (;;) {
      const observer = new AttemptObserver(target, (failure) => {
        attempts += 1;
        // The last attempt's failure is told below, as an outage wait or the error.
        if (failure.attempt < maxAttempts)
          this.options.onRetry?.({ kind: 'request', target: { ...target }, attempt: failure.attempt, maxAttempts, problem: failure.problem });
      });
      try {
        return await send(observer.watch, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        // A failure before any request was sent (credentials, configuration) is one attempt too.
        attempts = Math.max(attempts, 1);
        const failure = describeS3Failure(error);
        const transient = isTransientS3Failure(error);
        const failingForMs = Date.now() - failingSince;
        if (!transient || !policy || failingForMs + waitMs > policy.giveUpAfterMs || isNotFound(error)) {
          throw new S3RequestError({
            target: { ...target },
            transient,
            ...(failure.status === undefined ? {} : { status: failure.status }),
            errorName: failure.name,
            problem: failure.problem,
            attempts,
            ...(policy && transient ? { waitedMs: failingForMs } : {}),
            cause: error,
          });
        }
        this.options.onRetry?.({
          kind: 'outage',
          target: { ...target },
          attempt: attempts,
          maxAttempts,
          problem: failure.problem,
          waitMs,
          failingSince: new Date(failingSince).toISOString(),
        });
        await this.options.beforeOutageWait?.();
        await sleep(waitMs, undefined, signal ? { signal } : undefined);
        waitMs = Math.min(waitMs * 2, policy.maxWaitMs);
      }
    }
  }
}
