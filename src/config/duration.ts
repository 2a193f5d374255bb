import { InvalidInputError } from '../errors/index.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration given on the command line: `500ms`, `2s`, `15m`, `1h`, `1d`, or sums such as `1h30m`, as
 * milliseconds; refused (exit 2) when malformed or shorter than `atLeastMs`.
 */
export function parseDuration(text: string, flag: string, atLeastMs: number): number {
  const trimmed = text.trim().toLowerCase();
  let total = 0;
  let consumed = '';
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    consumed += match[0];
  }
  if (trimmed === '' || consumed.replace(/\s+/g, '') !== trimmed.replace(/\s+/g, '') || !(total >= atLeastMs)) {
    const least = atLeastMs > 0 ? ` of at least ${atLeastMs >= 1000 ? `${atLeastMs / 1000}s` : `${atLeastMs}ms`}` : '';
    throw new InvalidInputError(`${flag} must be a duration${least} such as 2s, 15m, 1h or 1h30m, got "${text}".`);
  }
  return Math.round(total);
}
