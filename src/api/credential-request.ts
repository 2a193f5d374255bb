import { DEFAULT_ACCOUNT } from '../accounts/account-name.js';
import { InvalidInputError } from '../errors/index.js';
import { sourceDefinition, sourceNames } from '../sources/registry.js';
import { checkOptionalAccount } from './validate-names.js';
import { checkRecord, checkRequiredString } from './validate-values.js';

/** Whose handed-over credential (`bulk-export credentials delete`). */
export interface CredentialTarget {
  /** `--source`: `virtuous` or `close`. */
  source: string;
  /** `--account`: the organization the credential belongs to. @defaultValue `'default'` */
  account?: string;
}

/** A credential handed over for an account (`bulk-export credentials set`). */
export interface CredentialRequest extends CredentialTarget {
  /** The account's API token or key; one trailing line break is dropped. Never logged, never in an error message. */
  credential: string;
}

/** What `setCredential` did: who holds the credential now (export ids and schedule names; none yet: kept for an hour). */
export interface SetCredentialResult {
  holders: string[];
}

/** Throws InvalidInputError, as the `credentials` commands' option parsers do. */
export function validateCredentialTarget(input: CredentialTarget): { source: string; account: string } {
  const { source, account } = checkRecord(input, 'A credential request') as unknown as CredentialTarget;
  return {
    source: sourceDefinition(checkRequiredString(source, '--source', sourceNames().join(' or '))).name,
    account: checkOptionalAccount(account) ?? DEFAULT_ACCOUNT,
  };
}

/** The target, and the credential: a string that is not blank (a message never quotes it). */
export function validateCredentialRequest(input: CredentialRequest): { source: string; account: string; credential: string } {
  const target = validateCredentialTarget(input);
  const secret = checkCredential(input.credential).replace(/\r?\n$/, '');
  if (secret.trim() === '') throw new InvalidInputError('The credential handed over is empty.');
  return { ...target, credential: secret };
}

/** A credential is a string; the message never quotes what was given, which may be a secret. */
export function checkCredential(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidInputError(`credential must be a string (the account's API token or key), got a ${typeof value}.`);
  return value;
}
