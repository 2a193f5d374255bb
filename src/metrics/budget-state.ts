import type { Redis } from 'ioredis';
import { ExportRegistry } from '../queue/export-registry.js';
import type { ExportSpec, RateLimitSpec } from '../queue/export-spec.js';
import { defaultRateLimit } from '../sources/export-budget.js';
import { budgetKey } from '../ratelimit/redis-token-bucket.js';
import { escapeGlob, scanKeys } from '../queue/redis-scan.js';
import { accountOf } from '../accounts/account-name.js';

/** Where one shared request budget (an account at a source) stands now, read from its Redis hash. */
export interface BudgetState {
  key: string;
  source: string;
  /** The account whose budget it is (`--account`; `default` for the environment's credential). */
  account: string;
  /** The rate the bucket refills at; from the newest export of this account, else the source default. */
  limit: RateLimitSpec | undefined;
  /** Tokens a request could take now (after refill, capped by the server's window when one is known). */
  tokens: number;
  /** How long until the next request may go: a pause (429 or spent window) or the refill of one token. */
  waitMs: number;
  /** Requests the server's current window still allows, when it said so in its headers. */
  serverRemaining: number | undefined;
  /** A pause (after a 429, or a spent server window) is running. */
  paused: boolean;
}

/**
 * Reads the fleet's request budgets from Redis without changing them: the same arithmetic as the
 * token bucket's `acquire` script (refill from `ts` at the rate, capped at the burst or 1 while probing;
 * the mirrored server window; a pause), but read-only, with Redis's clock.
 */
export async function readBudgetStates(redis: Redis, prefix: string, options: { exportsToScan?: number } = {}): Promise<BudgetState[]> {
  const keys = await scanKeys(redis, `${escapeGlob(prefix)}:budget:*`);
  if (keys.length === 0) return [];
  const limits = await limitsByBudgetKey(redis, prefix, options.exportsToScan ?? 200);
  const [seconds, micros] = await redis.time();
  const now = Number(seconds) * 1000 + Number(micros) / 1000;
  const states: BudgetState[] = [];
  for (const key of keys) {
    // `<source>:<account>`: neither holds a colon.
    const [source = 'unknown', account = 'unknown'] = key.slice(`${prefix}:budget:`.length).split(':');
    const fields = await redis.hgetall(key);
    if (Object.keys(fields).length === 0) continue;
    const limit = limits.get(key) ?? defaultRateLimit(source);
    states.push(budgetStateOf(key, source, account, limit, fields, now));
  }
  return states;
}

/** The budget's state at `now` (Redis-clock ms) from the hash fields (see token-bucket-scripts.ts). */
export function budgetStateOf(
  key: string,
  source: string,
  account: string,
  limit: RateLimitSpec | undefined,
  fields: Record<string, string>,
  now: number,
): BudgetState {
  const ratePerMs = limit ? limit.requests / limit.windowMs : 0;
  const burst = limit?.requests ?? Number.POSITIVE_INFINITY;
  const probe = fields.probe === '1';
  const ceiling = probe ? Math.min(1, burst) : burst;
  const ts = Number(fields.ts ?? now);
  let tokens = Number(fields.t ?? burst);
  if (now > ts && ratePerMs > 0) tokens = Math.min(ceiling, tokens + (now - ts) * ratePerMs);
  const pause = Number(fields.pause ?? 0);
  const seq = Number(fields.seq ?? 0);
  let serverRemaining: number | undefined;
  const sre = Number(fields.sre ?? 0);
  if (fields.sr !== undefined && now < sre) serverRemaining = Number(fields.sr) - (seq - Number(fields.srs ?? 0));
  let waitMs = 0;
  if (now < pause) waitMs = pause - now;
  else if (serverRemaining !== undefined && serverRemaining <= 0) waitMs = sre - now;
  else if (tokens < 1 && ratePerMs > 0) waitMs = (1 - tokens) / ratePerMs;
  const available = Math.max(0, serverRemaining === undefined ? tokens : Math.min(tokens, serverRemaining));
  return {
    key,
    source,
    account,
    limit,
    tokens: now < pause ? 0 : Number.isFinite(available) ? available : 0,
    waitMs: Math.max(0, Math.ceil(waitMs)),
    serverRemaining,
    paused: now < pause,
  };
}

/** Budget key -> the rate limit of the newest export of that account. */
async function limitsByBudgetKey(redis: Redis, prefix: string, count: number): Promise<Map<string, RateLimitSpec>> {
  const registry = new ExportRegistry(redis, prefix);
  const limits = new Map<string, RateLimitSpec>();
  for (const exportId of await registry.recent(count)) {
    const record = await registry.get(exportId);
    if (!record) continue;
    const key = budgetKeyOf(prefix, record.spec);
    const limit = record.spec.rateLimit ?? defaultRateLimit(record.spec.source.kind);
    if (!limits.has(key) && limit) limits.set(key, limit);
  }
  return limits;
}

export function budgetKeyOf(prefix: string, spec: Pick<ExportSpec, 'source'>): string {
  return budgetKey(prefix, spec.source.kind, accountOf(spec.source));
}
