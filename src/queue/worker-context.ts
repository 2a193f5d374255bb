import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import type { HandedCredentials } from '../accounts/handed-credentials.js';
import type { S3OutagePolicy } from '../config/environment.js';
import type { Logger } from '../logging/logger.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { ExportRegistry } from './export-registry.js';

/** What processors share inside one worker process. */
export interface WorkerContext {
  redis: Redis;
  queuePrefix: string;
  s3: S3Client;
  /** How range and commit jobs wait out S3 outages; undefined = they fail once a request's attempts are spent. */
  s3Outage?: S3OutagePolicy;
  checkpoints: CheckpointStore;
  registry: ExportRegistry;
  variables: NodeJS.ProcessEnv;
  /** How long a range's request waits for its account's budget before the range gives its slot back (BUDGET_YIELD_AFTER_MS). */
  budgetYieldAfterMs: number;
  /** Credentials applications handed over for their accounts, sealed in Redis. */
  handed: HandedCredentials;
  logger: Logger;
}
