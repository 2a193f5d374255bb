/**
 * What a response says about the caller's remaining allowance, read from every header style in use:
 *
 * - `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (the reset in Unix seconds);
 * - `RateLimit: limit=40, remaining=12, reset=0.87` (fractional seconds until the reset), and the older
 *   `X-Rate-Limit-Limit` / `-Remaining` / `-Reset`;
 * - the IETF draft spellings `RateLimit-Limit` / `-Remaining` / `-Reset` (seconds until the reset).
 *
 * A reset of at least 1e9 is read as Unix seconds (an absolute time), anything smaller as seconds
 * from now, so every style ends up as a delay: only durations cross process boundaries, never one
 * host's wall clock.
 */
export interface ServerRateState {
  limit?: number;
  remaining?: number;
  /** Milliseconds from when the response was received until the server's window resets. */
  resetDelayMs?: number;
}

/** Resets at or above this are Unix seconds (2001-09-09); below, seconds from now. */
const ABSOLUTE_RESET_THRESHOLD = 1e9;
/** A `Date` header further than this from our clock means the clocks disagree (the header has 1 s precision). */
const CLOCK_SKEW_TOLERANCE_MS = 2000;

export function parseRateLimitHeaders(headers: Headers, localNowMs: number = Date.now()): ServerRateState | undefined {
  const found =
    fromCombinedHeader(headers.get('ratelimit')) ??
    fromSeparateHeaders(headers, 'x-ratelimit-') ??
    fromSeparateHeaders(headers, 'x-rate-limit-') ??
    fromSeparateHeaders(headers, 'ratelimit-');
  if (!found) return undefined;
  const state: ServerRateState = {};
  if (found.limit !== undefined) state.limit = found.limit;
  if (found.remaining !== undefined) state.remaining = Math.max(0, Math.floor(found.remaining));
  if (found.reset !== undefined) {
    state.resetDelayMs =
      found.reset >= ABSOLUTE_RESET_THRESHOLD ? Math.max(0, found.reset * 1000 - serverNowMs(headers, localNowMs)) : Math.max(0, found.reset * 1000);
  }
  return state;
}

/**
 * The server's idea of "now": our clock, unless the response's `Date` header shows the clocks
 * disagree by more than the header's precision; then the header (rounded down by the server, so the
 * resulting wait errs on the long side).
 */
function serverNowMs(headers: Headers, localNowMs: number): number {
  const date = Date.parse(headers.get('date') ?? '');
  if (Number.isNaN(date) || Math.abs(date - localNowMs) <= CLOCK_SKEW_TOLERANCE_MS) return localNowMs;
  return date;
}

interface RawState {
  limit?: number;
  remaining?: number;
  reset?: number;
}

/** `limit=40, remaining=12, reset=0.87`, also `r=12;t=1` from the newer IETF draft. */
function fromCombinedHeader(value: string | null): RawState | undefined {
  if (!value) return undefined;
  const state: RawState = {};
  for (const part of value.split(/[;,]/)) {
    const match = /^\s*([a-z-]+)\s*=\s*"?([0-9.]+)"?\s*$/i.exec(part);
    if (!match) continue;
    const number = Number(match[2]);
    if (!Number.isFinite(number)) continue;
    switch (match[1]!.toLowerCase()) {
      case 'limit':
      case 'q':
        state.limit = number;
        break;
      case 'remaining':
      case 'r':
        state.remaining = number;
        break;
      case 'reset':
      case 't':
        state.reset = number;
        break;
    }
  }
  return state.remaining === undefined && state.reset === undefined ? undefined : state;
}

function fromSeparateHeaders(headers: Headers, prefix: string): RawState | undefined {
  const remaining = numberHeader(headers, `${prefix}remaining`);
  const reset = numberHeader(headers, `${prefix}reset`);
  if (remaining === undefined && reset === undefined) return undefined;
  const state: RawState = {};
  const limit = numberHeader(headers, `${prefix}limit`);
  if (limit !== undefined) state.limit = limit;
  if (remaining !== undefined) state.remaining = remaining;
  if (reset !== undefined) state.reset = reset;
  return state;
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return undefined;
  const number = Number(value.trim());
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}
