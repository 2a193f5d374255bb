import { BulkExportError } from './bulk-export-error.js';

/**
 * The source API answered with an error that retrying will not fix (400, 401, 403, 404...).
 * Carries the API's own message and advice on what to change.
 */
export class SourceRequestError extends BulkExportError {
  readonly status: number;
  readonly apiMessage: string;
  /**
   * The answer's `field-errors` object (where the API has one: the offending request path, such as `cursor`, `_limit`
   * or `query.queries[1].type`, mapped to its message); empty when the answer had none. Kept parsed so
   * that callers recognise a refusal by its structure rather than by the words of a message.
   */
  readonly fieldErrors: Readonly<Record<string, unknown>>;
  /**
   * A 401 to a credential that is read from a file again at every attempt: another attempt, a little later,
   * may hold the credential that replaced it (a rotation whose new key reaches the file after the old one
   * was revoked), so the refusal is not final.
   */
  readonly credentialMayChange: boolean;

  constructor(args: {
    source: string;
    status: number;
    endpoint: string;
    apiMessage: string;
    advice: string;
    fieldErrors?: Readonly<Record<string, unknown>>;
    credentialMayChange?: boolean;
  }) {
    const fieldErrors = args.fieldErrors ?? {};
    const said = args.apiMessage ? `: ${args.apiMessage}` : '';
    // A path whose message repeats the API's message is named alone.
    const paths = Object.entries(fieldErrors).map(([path, problem]) =>
      problem === args.apiMessage ? path : `${path}: ${typeof problem === 'string' ? problem : JSON.stringify(problem)}`,
    );
    const fields = paths.length > 0 ? ` (field-errors: ${paths.join('; ')})` : '';
    super(`SOURCE_HTTP_${args.status}`, `${args.source} answered ${args.status} to ${args.endpoint}${said}${fields}. ${args.advice}`);
    this.status = args.status;
    this.apiMessage = args.apiMessage;
    this.fieldErrors = fieldErrors;
    this.credentialMayChange = args.credentialMayChange ?? false;
  }
}
