import { Queue } from '../queue/bullmq.js';
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { EXPORT_QUEUE, RANGE_QUEUE } from '../queue/queue-names.js';
import { readBudgetStates, type BudgetState } from './budget-state.js';
import { METRIC_PREFIX } from './export-metrics.js';

/** Job states reported per queue. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'waiting-children', 'prioritized'] as const;

export interface FleetCollectors {
  close(): Promise<void>;
}

/**
 * Gauges of the whole fleet, read from Redis on every scrape (no timer, no cache): jobs per queue and
 * state, and each shared request budget's tokens and wait. Any process may serve them (the board,
 * every worker, `bulk-export metrics`); they read the same Redis, so they agree.
 */
export function registerFleetCollectors(registry: Registry, redis: Redis, prefix: string): FleetCollectors {
  const queues = [EXPORT_QUEUE, RANGE_QUEUE].map((name) => new Queue(name, { connection: redis, prefix }));

  new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: 'Jobs per queue and state (exports = one per export, export-ranges = one per range), read on scrape.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of queues) {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });

  // The three budget gauges are collected concurrently on a scrape; they share one read of Redis. One series
  // per source, account and scope: `organization` (every account), and `key` (the key the account's requests
  // used last) where the source limits each key too (Close). A budget's key expires once its account has been
  // idle for a while, and its series with it, so the label set stays bounded by the accounts in use; no label
  // is derived from a credential.
  let reading: Promise<BudgetState[]> | undefined;
  const budgets = () => {
    reading ??= readBudgetStates(redis, prefix).finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const budgetGauge = (name: string, help: string, value: (budget: BudgetState) => number | undefined) =>
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      labelNames: ['source', 'account', 'scope'] as const,
      registers: [registry],
      async collect() {
        const states = await budgets();
        this.reset();
        for (const budget of states) {
          const measured = value(budget);
          if (measured !== undefined) this.set({ source: budget.source, account: budget.account, scope: budget.scope }, measured);
        }
      },
    });
  budgetGauge(
    'budget_tokens',
    'Requests the shared budget of an account (scope="organization") or of the key it used last (scope="key") would grant now (after refill; 0 while paused), read from its Redis hash on scrape.',
    (budget) => Math.round(budget.tokens * 1000) / 1000,
  );
  budgetGauge(
    'budget_wait_seconds',
    'How long a request of the account must wait now before the budget grants it (pause after a 429 or a spent window, or refill).',
    (budget) => budget.waitMs / 1000,
  );
  budgetGauge(
    'budget_server_remaining',
    "Requests the source's current rate window still allows, as its rate headers last said (minus grants since).",
    (budget) => budget.serverRemaining,
  );

  return {
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}
