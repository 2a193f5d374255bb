import { checkAccountName } from '../accounts/account-name.js';
import { InvalidInputError } from '../errors/index.js';
import { EXPORT_ID_PATTERN } from '../queue/export-id.js';
import { describeValue } from './validate-values.js';

/** An export id as `start` gives it (`exp-20261122t214501-3f9a1c`), blanks around it dropped. */
export function checkExportId(value: unknown): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (!EXPORT_ID_PATTERN.test(trimmed)) {
    const shown = typeof value === 'string' ? `"${value}"` : describeValue(value);
    throw new InvalidInputError(
      `${shown} is not an export id: give the id \`start\` printed (like exp-20261122t214501-3f9a1c; bulk-export list shows recent ones).`,
    );
  }
  return trimmed;
}

/** An account's name (checkAccountName), or undefined when not given. */
export function checkOptionalAccount(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidInputError(`--account must be an account name (a string), got ${describeValue(value)}.`);
  return checkAccountName(value);
}
