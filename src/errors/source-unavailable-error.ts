import { BulkExportError } from './bulk-export-error.js';

/** The source kept failing transiently (5xx, timeouts, dropped connections) after every retry. */
export class SourceUnavailableError extends BulkExportError {
  constructor(source: string, endpoint: string, attempts: number, lastProblem: string) {
    super(
      'SOURCE_UNAVAILABLE',
      `${source} did not answer ${endpoint} successfully after ${attempts} attempts (last: ${lastProblem}). ` +
        'If this persists, check the base URL and the service status.',
    );
  }
}
