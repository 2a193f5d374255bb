import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { METRIC_PREFIX } from '../metrics/export-metrics.js';
import { registerFleetCollectors } from '../metrics/fleet-collectors.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from '../queue/queue-names.js';
import type { RangeJobData, RangeProgress } from '../queue/range-job.js';
import { basicAuth } from './basic-auth-middleware.js';
import type { AccessCredentials } from '../access/bind-policy.js';

export interface BoardAppOptions {
  redis: Redis;
  prefix: string;
  /** No retries or other changes from the board. */
  readOnly: boolean;
  /** When set, every page, API call and /metrics needs HTTP basic auth (only /healthz does not). */
  credentials?: AccessCredentials;
}

export interface BoardApp {
  app: Express;
  close(): Promise<void>;
}

/**
 * What the board may change when it is not read-only: retry a failed job (a range, from its
 * checkpoint; or the export's commit), promote a delayed one, pause/resume a queue. Everything else
 * that writes is refused: editing job data could point a worker (and its credential) at another
 * host, and removing, emptying or cleaning jobs would leave an export that can never commit. Cancel,
 * pause and resume of an export are CLI commands (`bulk-export cancel|pause|resume`).
 */
const ALLOWED_CHANGES = [
  /^\/api\/queues\/[^/]+\/[^/]+\/retry$/,
  /^\/api\/queues\/[^/]+\/retry\/failed$/,
  /^\/api\/queues\/[^/]+\/[^/]+\/promote$/,
  /^\/api\/queues\/[^/]+\/promote$/,
  /^\/api\/queues\/(pause|resume)$/,
  /^\/api\/queues\/[^/]+\/(pause|resume)$/,
];

/**
 * Bull Board (express adapter) over the export and range queues with the project's queue prefix:
 * exports with their flow (export -> ranges), each range's progress (percent circle, plus rows, parts and
 * last key) and job log, retry of a failed range; plus `/metrics` (Prometheus text: queue depths,
 * shared budgets, this process) and `/healthz`.
 */
export function createBoardApp(options: BoardAppOptions): BoardApp {
  const exportsQueue = new Queue(EXPORT_QUEUE, { connection: options.redis, prefix: options.prefix });
  const rangesQueue = new Queue<RangeJobData>(RANGE_QUEUE, { connection: options.redis, prefix: options.prefix });
  const adapterOptions = { readOnlyMode: options.readOnly, allowRetries: !options.readOnly };

  const exportsAdapter = new BullMQAdapter(exportsQueue, {
    ...adapterOptions,
    description: 'One job per export: waits for its ranges (see its flow), then writes the manifest and _SUCCESS.',
  });
  exportsAdapter.setFormatter('name', (job: { id?: string }) => `export ${job.id ?? ''}`);

  const rangesAdapter = new BullMQAdapter(rangesQueue, {
    ...adapterOptions,
    description: 'One job per range of an export: pages the source from its checkpoint and writes parts. Progress: rows, parts, last key.',
  });
  rangesAdapter.setFormatter('name', (job: { name?: string; data?: Partial<RangeJobData> }) => {
    const index = job.data?.range?.index;
    const exportId = job.data?.spec?.exportId;
    return index !== undefined && exportId ? `range ${index} of ${exportId}` : (job.name ?? '');
  });
  // Bull Board draws a progress circle for a number or for `{progress: number}`; keep rows/parts/lastKey beside it.
  rangesAdapter.setFormatter('progress', (progress: unknown) => {
    if (progress && typeof progress === 'object' && 'pct' in progress) {
      const range = progress as RangeProgress;
      return { progress: range.pct, rows: range.rows, parts: range.parts, lastKey: range.lastKey };
    }
    return progress;
  });

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/');
  createBullBoard({
    queues: [exportsAdapter, rangesAdapter],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: options.readOnly ? 'bulk-export (read-only)' : 'bulk-export',
        miscLinks: [{ text: 'Metrics', url: '/metrics' }],
        hideDocsLink: true,
        sortQueues: false,
        // Range jobs open on their progress (rows, parts, last key) rather than on their data.
        jobDetails: { defaultTab: 'Progress' },
      },
    },
  });

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: `${METRIC_PREFIX}board_` });
  const fleet = registerFleetCollectors(metrics, options.redis, options.prefix);

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_request, response) => {
    response.type('text/plain').send('ok\n');
  });
  if (options.credentials) app.use(basicAuth(options.credentials));
  app.get('/metrics', (_request, response, next) => {
    metrics.metrics().then((text) => response.type(metrics.contentType).send(text), next);
  });
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.method === 'GET' || request.method === 'HEAD') return next();
    if (!options.readOnly && ALLOWED_CHANGES.some((allowed) => allowed.test(request.path))) return next();
    response
      .status(403)
      .type('text/plain')
      .send(
        options.readOnly
          ? 'the board is read-only\n'
          : 'the board only retries and promotes jobs and pauses queues; use bulk-export cancel|pause|resume|retry for the rest\n',
      );
  });
  app.use('/', serverAdapter.getRouter() as express.Router);

  return {
    app,
    async close() {
      await fleet.close();
      await Promise.all([exportsQueue.close(), rangesQueue.close()]);
    },
  };
}
