import type { Redis } from 'ioredis';
import type { ExportSpec } from '../queue/export-spec.js';
import { UNLIMITED_BUDGET, type RequestBudget } from './request-budget.js';

/** The request budget every worker spending this export's credential shares. */
export function budgetForExport(_redis: Redis, _prefix: string, _spec: Pick<ExportSpec, 'source' | 'rateLimit'>): RequestBudget {
  return UNLIMITED_BUDGET;
}
