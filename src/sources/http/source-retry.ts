/** A failed try of a source request that is about to be tried again, as reported to `onRetry`. */
export interface SourceRetry {
  /** The API: the source's display name. */
  source: string;
  /** Method and path, e.g. "POST /api/Contact/Query" (never the query string, never a credential). */
  endpoint: string;
  /** The number of the try about to be made, counted overall (across every take of a ladder). */
  attempt: number;
  /** The most tries this read may make (SOURCE_REQUEST_ATTEMPTS). */
  maxAttempts: number;
  /** What went wrong: `no answer within 60 s`, `HTTP 503`, a network error. */
  problem: string;
  /** The try got no complete answer within the request timeout (the API accepted the request and went silent). */
  timedOut: boolean;
  /** The timeout of one try, in milliseconds. */
  timeoutMs: number;
  /** The wait before the next try. */
  delayMs: number;
}

/**
 * One line for an operator: `<API> did not answer POST /api/Contact/Query within 60 s; retrying (2 of 8)`,
 * or `<API> failed POST /data/search/ (HTTP 503); retrying in 400 ms (2 of 8)`.
 */
export function describeRetry(retry: SourceRetry): string {
  const next = `(${retry.attempt} of ${retry.maxAttempts})`;
  if (retry.timedOut) return `${retry.source} did not answer ${retry.endpoint} within ${formatMs(retry.timeoutMs)}; retrying ${next}`;
  return `${retry.source} failed ${retry.endpoint} (${retry.problem}); retrying in ${formatMs(retry.delayMs)} ${next}`;
}

/** `400 ms`, `1.5 s`, `60 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
