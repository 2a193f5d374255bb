import { InvalidInputError } from '../errors/index.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, hour: 3_600_000, d: 86_400_000 };

/** A request budget: `requests` per `windowMs`. */
export interface RateLimitSpec {
  requests: number;
  windowMs: number;
}

/** Parses `--rate-limit N/WINDOW`, e.g. `5000/1h`, `20/5s`, `300/min`. */
export function parseRateLimit(text: string): RateLimitSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*([a-z]+)\s*$/i.exec(text);
  const unit = match?.[3]?.toLowerCase();
  if (!match || !unit || !(unit in UNIT_MS)) {
    throw new InvalidInputError(`--rate-limit must look like N/WINDOW (e.g. 5000/1h, 20/5s, 300/min), got "${text}".`);
  }
  const requests = Number(match[1]);
  const windowMs = Number(match[2] ?? 1) * UNIT_MS[unit]!;
  if (requests < 1 || windowMs <= 0) throw new InvalidInputError(`--rate-limit needs at least 1 request per window, got "${text}".`);
  return { requests, windowMs };
}
