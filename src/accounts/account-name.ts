import { InvalidInputError } from '../errors/index.js';

/** The account of an export started without `--account`: the credential in the environment's variable. */
export const DEFAULT_ACCOUNT = 'default';

/**
 * An account's name: lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most
 * 63 characters. It names a file under CREDENTIALS_DIR and Redis keys, so it holds no `/`, no leading
 * dot and nothing a shell or a path would read differently.
 */
const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** `name` if it is an account name; otherwise an InvalidInputError (exit 2) saying what one looks like. */
export function checkAccountName(name: string): string {
  if (!ACCOUNT_NAME.test(name)) {
    throw new InvalidInputError(
      `--account must be an account name: 1 to 63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (got ${JSON.stringify(name)}).`,
    );
  }
  return name;
}

/** The account an export's source reads for: specs written before accounts existed read as `default`. */
export function accountOf(source: { account?: string }): string {
  return source.account ?? DEFAULT_ACCOUNT;
}
