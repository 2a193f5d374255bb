import { BulkExportError } from './bulk-export-error.js';

/** A command-line argument or option that cannot be used; nothing was enqueued. */
export class InvalidInputError extends BulkExportError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}
