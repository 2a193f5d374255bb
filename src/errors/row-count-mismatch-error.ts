import { BulkExportError } from './bulk-export-error.js';

/**
 * The commit refused an export whose rows do not add up: fewer or more than planning counted, or fewer
 * than the API itself reported while they were read, beyond what records created, deleted or archived
 * while the export ran can explain. Nothing was marked `_SUCCESS`; the message says what disagreed.
 */
export class RowCountMismatchError extends BulkExportError {
  constructor(message: string) {
    super('ROW_COUNT_MISMATCH', message);
  }
}
