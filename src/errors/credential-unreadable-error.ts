import { BulkExportError } from './bulk-export-error.js';

/**
 * An account's stored credential does not open: it is not a sealed credential, was changed, was sealed
 * for another account, or its key id holds other bytes here than where it was sealed. The same stored
 * text fails the same way on every attempt, so the range fails at once. The message names the account and
 * the key id, never the credential, the sealed text or key bytes.
 */
export class CredentialUnreadableError extends BulkExportError {
  constructor(binding: { source: string; account: string }, problem: string) {
    super(
      'CREDENTIAL_UNREADABLE',
      `The stored credential of the ${binding.source} account "${binding.account}" cannot be opened: ${problem}. ` +
        `Check that every worker and the machine that ran "start" give each key id of CREDENTIALS_KEY the same bytes ` +
        `(a key id is never reused for a new key), then start the export again so its credential is sealed anew.`,
    );
  }
}
