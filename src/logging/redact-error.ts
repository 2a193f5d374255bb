import { secretScrubber } from './secret-scrubber.js';

/**
 * Blanks the secrets of `variables` (and any `Bearer`/`Basic` credential) in an error's message, stack
 * and causes, in place, so that whatever stores or prints the error afterwards (BullMQ's `failedReason`,
 * `stacktrace` and events stream, the export registry, Bull Board, `status`, the CLI) never holds a
 * credential an API echoed back. The error keeps its class, so retry decisions are unchanged.
 */
export function redactError<T>(error: T, scrub: (text: string) => string): T {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    current.message = scrub(current.message);
    if (current.stack) current.stack = scrub(current.stack);
    current = current.cause;
  }
  return error;
}

/**
 * A BullMQ processor whose failures are redacted before BullMQ (or anyone) stores them. It declares
 * three parameters because BullMQ passes a job's abort signal only to processors that do.
 */
export function redactingFailures<J, R>(
  processor: (job: J, token: string | undefined, signal?: AbortSignal) => Promise<R>,
  variables: NodeJS.ProcessEnv,
): (job: J, token: string | undefined, signal?: AbortSignal) => Promise<R> {
  const scrub = secretScrubber(variables);
  return async (job, token, signal) => {
    try {
      return await processor(job, token, signal);
    } catch (error) {
      throw redactError(error, scrub);
    }
  };
}
