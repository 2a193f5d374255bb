import { BulkExportError } from './bulk-export-error.js';

/** No credential was found for an account: the message names every place looked, in order. */
export class MissingCredentialError extends BulkExportError {
  constructor(source: string, account: string, lookedIn: readonly string[]) {
    super(
      'MISSING_CREDENTIAL',
      `No credential for the ${source} account "${account}": looked in ${lookedIn.join(', then ')}. ` +
        `Put the account's credential there (see docs/accounts.md), or start without --account to use the environment's.`,
    );
  }
}
