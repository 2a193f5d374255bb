import { checkOptionalAccount } from './validate-names.js';
import { checkRecord, checkWholeNumber } from './validate-values.js';

/** `list`: how many exports, newest first, 1 to LIST_LIMIT.max. */
export const LIST_LIMIT = { default: 20, min: 1, max: 1000 } as const;

/** Which exports `list` returns (`bulk-export list`). */
export interface ListOptions {
  /** `--account`: only this account's exports. @defaultValue every account's */
  account?: string;
  /** `--limit`: how many, newest first, 1 to 1000. @defaultValue 20 */
  limit?: number;
}

/** Throws InvalidInputError, as `list`'s option parsers do. */
export function validateListOptions(options: ListOptions): { account: string | undefined; limit: number } {
  const { account, limit } = checkRecord(options, 'The list options') as ListOptions;
  return {
    account: checkOptionalAccount(account),
    limit: limit === undefined ? LIST_LIMIT.default : checkWholeNumber(limit, '--limit', LIST_LIMIT.min, LIST_LIMIT.max),
  };
}
