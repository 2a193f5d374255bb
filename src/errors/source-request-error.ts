import { BulkExportError } from './bulk-export-error.js';

/**
 * The source API answered with an error that retrying will not fix (400, 401, 403, 404...).
 * Carries the API's own message and advice on what to change.
 */
export class SourceRequestError extends BulkExportError {
  readonly status: number;
  readonly apiMessage: string;

  constructor(args: { source: string; status: number; endpoint: string; apiMessage: string; advice: string }) {
    const said = args.apiMessage ? `: ${args.apiMessage}` : '';
    super(
      `SOURCE_HTTP_${args.status}`,
      `${args.source} answered ${args.status} to ${args.endpoint}${said}. ${args.advice}`,
    );
    this.status = args.status;
    this.apiMessage = args.apiMessage;
  }
}
