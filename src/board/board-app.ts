import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from '../queue/bullmq.js';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { METRIC_PREFIX } from '../metrics/export-metrics.js';
import { registerFleetCollectors } from '../metrics/fleet-collectors.js';
import type { ExportJobProgress } from '../queue/export-job-progress.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from '../queue/queue-names.js';
import type { RangeJobData, RangeProgress } from '../queue/range-job.js';
import type { ExportSpec } from '../queue/export-spec.js';
import type { SourceSpec } from '../sources/source-spec.js';
import { accountOf } from '../accounts/account-name.js';
import { basicAuth } from './basic-auth-middleware.js';
import { boardRestrictions } from './board-restrictions.js';
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

/** A retry of one job: allowed only while the job has failed (a completed range or commit is never run again). */
const JOB_RETRY = /^\/api\/queues\/([^/]+)\/([^/]+)\/retry$/;

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
 * exports with their flow (export -> ranges), their progress (what `status` shows, with rate and time
 * left) and log (plan, splits, commit); each range's progress (percent circle, plus rows, parts and last
 * key) and job log; retry of a failed range, and no button for what the board refuses; plus `/metrics`
 * (Prometheus text: queue depths, shared budgets, this process) and `/healthz`.
 */
export function createBoardApp(options: BoardAppOptions): BoardApp {
  const exportsQueue = new Queue(EXPORT_QUEUE, { connection: options.redis, prefix: options.prefix });
  const rangesQueue = new Queue<RangeJobData>(RANGE_QUEUE, { connection: options.redis, prefix: options.prefix });
  // Retries of failed jobs only: Bull Board would also offer to run completed ones again.
  const adapterOptions = { readOnlyMode: options.readOnly, allowRetries: !options.readOnly, allowCompletedRetries: false };

  const exportsAdapter = new BullMQAdapter(exportsQueue, {
    ...adapterOptions,
    description: 'One job per export: waits for its ranges (see its flow), then writes the manifest and _SUCCESS.',
  });
  // The account beside the id: a fleet serves many organizations, and an operator looks for one.
  exportsAdapter.setFormatter(
    'name',
    (job: { id?: string; data?: Partial<ExportSpec> }) => `export ${job.id ?? ''}${accountLabel(job.data?.source)}`,
  );
  // The export's progress (export-job-progress.ts): a circle, and what `status` shows; the rate's samples stay out of sight.
  exportsAdapter.setFormatter('progress', (progress: unknown) => {
    if (progress && typeof progress === 'object' && 'samples' in progress) {
      const { samples: _samples, ...shown } = progress as ExportJobProgress;
      return shown;
    }
    return progress;
  });

  const rangesAdapter = new BullMQAdapter(rangesQueue, {
    ...adapterOptions,
    description: 'One job per range of an export: pages the source from its checkpoint and writes parts. Progress: rows, parts, last key.',
  });
  rangesAdapter.setFormatter('name', (job: { name?: string; data?: Partial<RangeJobData> }) => {
    const index = job.data?.range?.index;
    const exportId = job.data?.spec?.exportId;
    return index !== undefined && exportId ? `range ${index} of ${exportId}${accountLabel(job.data?.spec?.source)}` : (job.name ?? '');
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
  const queuesByName = new Map<string, Queue>([
    [EXPORT_QUEUE, exportsQueue],
    [RANGE_QUEUE, rangesQueue],
  ]);
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.method === 'GET' || request.method === 'HEAD') return next();
    const refuse = (reason: string) => response.status(403).type('text/plain').send(reason);
    if (options.readOnly || !ALLOWED_CHANGES.some((allowed) => allowed.test(request.path))) {
      refuse(
        options.readOnly
          ? 'the board is read-only\n'
          : 'the board only retries and promotes jobs and pauses queues; use bulk-export cancel|pause|resume|retry for the rest\n',
      );
      return;
    }
    const retry = JOB_RETRY.exec(request.path);
    const queue = retry && queuesByName.get(decodeURIComponent(retry[1]!));
    if (!retry || !queue) return next();
    queue.getJobState(decodeURIComponent(retry[2]!)).then((state) => {
      if (state === 'failed' || state === 'unknown') return next();
      refuse(`the board retries failed jobs only; this job is ${state}\n`);
    }, next);
  });
  // The buttons of refused changes are hidden too, so that the board offers only what it does.
  app.use(boardRestrictions());
  app.use('/', serverAdapter.getRouter() as express.Router);

  return {
    app,
    async close() {
      await fleet.close();
      await Promise.all([exportsQueue.close(), rangesQueue.close()]);
    },
  };
}

/** ` (virtuous, account acme)`: the source and account of a job's export, as `status` names them. */
function accountLabel(source: Partial<SourceSpec> | undefined): string {
  return source?.kind ? ` (${source.kind}, account ${accountOf(source)})` : '';
}
