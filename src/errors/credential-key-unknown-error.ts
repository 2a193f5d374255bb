import { BulkExportError } from './bulk-export-error.js';

/**
 * An account's stored credential was sealed with a key this process's CREDENTIALS_KEY no longer (or not
 * yet) holds: a rotation dropped the old key before the exports sealed with it finished, or this worker
 * runs with an older CREDENTIALS_KEY than the one that sealed. Another attempt, on a worker given the key,
 * opens it, so the range's attempts go on. Names key ids only, never key bytes or the credential.
 */
export class CredentialKeyUnknownError extends BulkExportError {
  readonly keyId: string;

  constructor(keyId: string, heldKeyIds: readonly string[], binding: { source: string; account: string }) {
    super(
      'CREDENTIAL_KEY_UNKNOWN',
      heldKeyIds.length === 0
        ? `The stored credential of the ${binding.source} account "${binding.account}" was sealed with key ${keyId}, and this process ` +
            `has no CREDENTIALS_KEY: give every worker the CREDENTIALS_KEY of the processes that start exports (docs/accounts.md).`
        : `The stored credential of the ${binding.source} account "${binding.account}" was sealed with key ${keyId}, which CREDENTIALS_KEY ` +
            `does not hold; add it back (keys: ${heldKeyIds.join(', ')}) to every worker's CREDENTIALS_KEY, after the key that seals, ` +
            `and keep it until the exports sealed with it have finished (docs/accounts.md).`,
    );
    this.keyId = keyId;
  }
}
