import { BulkExportError } from './bulk-export-error.js';

/** An environment variable the command needs is not set; the message names it. */
export class MissingConfigurationError extends BulkExportError {
  readonly variable: string;

  constructor(variable: string, purpose: string) {
    super('MISSING_CONFIGURATION', `${variable} is not set: ${purpose}. Set ${variable} in the environment and try again.`);
    this.variable = variable;
  }
}
