import { InvalidInputError } from '../errors/index.js';

/**
 * Checks of single values, shared by the CLI's option parsers (src/cli/option-parsers.ts) and the API: a
 * value is named by the CLI's flag for it in every message (`--part-rows` for `partRows`), so the two say
 * the same, and an application's values are checked for their type too, as JavaScript callers may pass anything.
 */

/**
 * A whole number in [min, max]. `shown` is what the message quotes as given: the text typed on the
 * command line, by default the value itself.
 */
export function checkWholeNumber(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER, shown = describeValue(value)): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new InvalidInputError(`${name} must be a whole number ${range}, got ${shown}.`);
  }
  return value;
}

/** A string, or undefined when not given. */
export function checkOptionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidInputError(`${name} must be a string, got ${describeValue(value)}.`);
}

/** A string that must be given; `what` says what it is, for the message. */
export function checkRequiredString(value: unknown, name: string, what: string): string {
  if (value === undefined || value === null || value === '') throw new InvalidInputError(`${name} is required: ${what}.`);
  return checkOptionalString(value, name)!;
}

/** true or false (a switch of the CLI), or undefined when not given. */
export function checkOptionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidInputError(`${name} is a switch: give true or false, got ${describeValue(value)}.`);
}

/** An object of named fields (a request, a set of options), not null, not a list. */
export function checkRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new InvalidInputError(`${what} must be an object of named fields, got ${describeValue(value)}.`);
}

/** A value as a message quotes it: JSON, cut short. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
