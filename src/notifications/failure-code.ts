import { BulkExportError, type ErrorCode } from '../errors/index.js';

/**
 * The code a failed export's notification carries: that of the first BulkExportError along the error and
 * its causes (a failure BullMQ must not retry is wrapped in an UnrecoverableError whose cause is the
 * original), else `fallback`.
 */
export function failureCodeOf(error: unknown, fallback: ErrorCode): ErrorCode {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    if (current instanceof BulkExportError) return current.code;
  }
  return fallback;
}
