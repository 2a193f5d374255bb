import { UnrecoverableError } from './bullmq.js';

/** The operator cancelled the export: the range job fails without retry and without another request. */
export class ExportCancelledError extends UnrecoverableError {
  constructor(exportId: string) {
    super(`export ${exportId} was cancelled`);
    this.name = 'ExportCancelledError';
  }
}
