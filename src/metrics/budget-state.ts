import type { Redis } from 'ioredis';
import { ExportRegistry } from '../queue/export-registry.js';
import type { ExportSpec, RateLimitSpec } from '../queue/export-spec.js';
import { defaultRateLimit, rateLimitOfScope, rateLimitScopes } from '../sources/export-budget.js';
import type { RateLimitScope } from '../ratelimit/rate-limit-scope.js';
import { budgetKey, keyBudgetKey } from '../ratelimit/redis-token-bucket.js';
import { escapeGlob, scanKeys } from '../queue/redis-scan.js';
import { accountOf } from '../accounts/account-name.js';

/** Where one shared request budget (an account at a source, or one key of it) stands now, read from its Redis hash. */
export interface BudgetState {
  key: string;
  source: string;
  /** The account whose budget it is (`--account`; `default` for the environment's credential). */
  account: string;
  /**
   * What the budget limits: the account's `organization` (every source has one), or its `key` where the
   * source limits each key too (Close): the key the account's requests used last.
   */
  scope: RateLimitScope;
  /** The rate the bucket refills at (the scope's); from the newest export of this account, else the source default. */
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

/** The organization's hash names the key its requests used last (`lk`, written by the two-bucket acquire). */
const LAST_KEY_FIELD = 'lk';

/**
 * Reads the fleet's request budgets from Redis without changing them: the same arithmetic as the
 * token bucket's `acquire` script (refill from `ts` at the rate, capped at the burst or 1 while probing;
 * the mirrored server window; a pause), but read-only, with Redis's clock. One state per account, and
 * where the source limits keys, one more for the key the account used last (a key replaced by a rotation
 * is left out: its bucket only waits to expire), so the series stay bounded by the accounts in use.
 */
export async function readBudgetStates(redis: Redis, prefix: string, options: { exportsToScan?: number } = {}): Promise<BudgetState[]> {
  const keys = await scanKeys(redis, `${escapeGlob(prefix)}:budget:*`);
  if (keys.length === 0) return [];
  const limits = await limitsByBudgetKey(redis, prefix, options.exportsToScan ?? 200);
  const now = await redisNow(redis);
  const states: BudgetState[] = [];
  for (const key of keys) {
    // `<source>:<account>` is an account's (organization's) budget; `<source>:<account>:key:<fingerprint>` one of
    // its keys', read below through the organization's `lk`. Neither part holds a colon.
    const parts = key.slice(`${prefix}:budget:`.length).split(':');
    if (parts.length !== 2) continue;
    const [source = 'unknown', account = 'unknown'] = parts;
    const fields = await redis.hgetall(key);
    if (Object.keys(fields).length === 0) continue;
    const limit = limits.get(key) ?? defaultRateLimit(source);
    states.push(budgetStateOf(key, source, account, limit && rateLimitOfScope(source, limit, 'organization'), fields, now, 'organization'));
    const lastKey = fields[LAST_KEY_FIELD];
    if (lastKey === undefined || rateLimitScopes(source).key === undefined) continue;
    const ownKey = keyBudgetKey(prefix, source, account, lastKey);
    const own = await redis.hgetall(ownKey);
    if (Object.keys(own).length === 0) continue;
    states.push(budgetStateOf(ownKey, source, account, limit && rateLimitOfScope(source, limit, 'key'), own, now, 'key'));
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
  scope: RateLimitScope = 'organization',
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
    scope,
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

/** The account's (organization's) budget key of an export. */
export function budgetKeyOf(prefix: string, spec: Pick<ExportSpec, 'source'>): string {
  return budgetKey(prefix, spec.source.kind, accountOf(spec.source));
}

/**
 * Every budget an export's requests draw from, as it stands now (Redis' clock), without changing it: its
 * account's (organization's), and, where the source limits each key too, the key the account's requests
 * used last (before any, the export's credential). `limit` is the export's rate limit (`--rate-limit`), by
 * default its spec's or the source's.
 */
export async function readExportBudgetStates(
  redis: Redis,
  prefix: string,
  spec: Pick<ExportSpec, 'source' | 'rateLimit'>,
  limit: RateLimitSpec | undefined = spec.rateLimit ?? defaultRateLimit(spec.source.kind),
): Promise<BudgetState[]> {
  const source = spec.source.kind;
  const account = accountOf(spec.source);
  const key = budgetKeyOf(prefix, spec);
  const exportKey = keyBudgetKey(prefix, source, account, spec.source.credentialFingerprint);
  const limitsKeys = rateLimitScopes(source).key !== undefined;
  const [fields, exportKeyFields, now] = await Promise.all([
    redis.hgetall(key),
    limitsKeys ? redis.hgetall(exportKey) : Promise.resolve({}),
    redisNow(redis),
  ]);
  const states = [budgetStateOf(key, source, account, limit && rateLimitOfScope(source, limit, 'organization'), fields, now, 'organization')];
  if (!limitsKeys) return states;
  const lastKey = fields[LAST_KEY_FIELD];
  const ownKey = lastKey === undefined ? exportKey : keyBudgetKey(prefix, source, account, lastKey);
  const own = ownKey === exportKey ? exportKeyFields : await redis.hgetall(ownKey);
  states.push(budgetStateOf(ownKey, source, account, limit && rateLimitOfScope(source, limit, 'key'), own, now, 'key'));
  return states;
}

/** Where an export's budget stands now (Redis' clock), without changing it: the one of its budgets that holds it back most. */
export async function readExportBudgetState(redis: Redis, prefix: string, spec: Pick<ExportSpec, 'source' | 'rateLimit'>): Promise<BudgetState> {
  return bindingBudget(await readExportBudgetStates(redis, prefix, spec));
}

/** Of the budgets a request takes from, the one that holds it back most now: the longest wait, then the fewest tokens. */
export function bindingBudget(states: readonly BudgetState[]): BudgetState {
  if (states.length === 0) throw new RangeError('bindingBudget needs at least one budget state');
  return states.reduce((binding, state) =>
    state.waitMs > binding.waitMs || (state.waitMs === binding.waitMs && state.tokens < binding.tokens) ? state : binding,
  );
}

/** Requests every one of the budgets allows at once now. */
export function requestsAvailableNow(states: readonly BudgetState[]): number {
  return Math.min(...states.map((state) => Math.floor(state.tokens)));
}

/**
 * The least time `requests` more requests need under every budget they take from: zero while they fit in
 * what each allows now; else, for each budget, its wait plus the requests beyond its tokens at its rate,
 * and the longest of these (the binding budget).
 */
export function budgetSecondsFor(states: readonly BudgetState[], requests: number): number {
  if (requests <= requestsAvailableNow(states)) return 0;
  let seconds = 0;
  for (const state of states) {
    if (!state.limit) continue;
    const later = Math.max(0, requests - Math.floor(state.tokens));
    seconds = Math.max(seconds, state.waitMs / 1000 + (later * state.limit.windowMs) / state.limit.requests / 1000);
  }
  return seconds;
}

async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Number(micros) / 1000;
}
