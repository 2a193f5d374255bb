import { Option } from 'commander';
import { checkAccountName, DEFAULT_ACCOUNT } from '../accounts/account-name.js';
import { checkExportId } from '../api/validate-names.js';
import { checkWholeNumber } from '../api/validate-values.js';
import { InvalidInputError } from '../errors/index.js';

/**
 * Parsers for command-line values, given to commander where an option or argument is declared, so that
 * every number and name a user types is checked before anything runs: a bad one is an InvalidInputError
 * (exit 2) naming the flag, what it must be and what was given. The checks are the API's (src/api/validate-*.ts).
 */

/** A whole number in [min, max], written in digits only (`1e3`, `0x10`, `12.0` and `-5` are refused). */
export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    const trimmed = text.trim();
    return checkWholeNumber(/^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN, flag, min, max, `"${text}"`);
  };
}

/** A TCP port; 0 asks the system for any free one. */
export const port = (flag: string) => wholeNumber(flag, 0, 65_535);

/** A positive number of seconds (fractions allowed). */
export function seconds(flag: string): (text: string) => number {
  return (text) => {
    const trimmed = text.trim();
    const value = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!(value > 0) || value > 86_400) throw new InvalidInputError(`${flag} must be a number of seconds above 0 (at most 86400), got "${text}".`);
    return value;
  };
}

/** An export id as `start` prints it (`exp-20261122t214501-3f9a1c`). */
export const exportId = (text: string): string => checkExportId(text);

/**
 * `--account NAME`, checked as an account name (exit 2 otherwise). `description` says what it selects;
 * a filter (`list`, `schedules`) shows every account without it, anything else the `default` account.
 */
export function accountOption(description: string, use: 'select' | 'filter' = 'select'): Option {
  const without = use === 'filter' ? 'every account' : `${DEFAULT_ACCOUNT}, the environment's credential`;
  return new Option('--account <name>', `${description} (default: ${without})`).argParser(checkAccountName);
}
