import { SourceRequestError } from '../../errors/index.js';

/**
 * Which part of a search request a Close 400 refuses, read from the answer's structure: the request
 * paths its `field-errors` object names (`cursor`, `_limit`, `_fields.contact`, ...). An answer without
 * `field-errors` (an older shape: only a message) is read from its message instead, by the parameter's
 * own name, never by other words. Answers with `field-errors` are judged by them alone, so a message
 * that merely mentions a parameter does not make a query error look like a cursor refusal.
 */
function refuses(error: unknown, parameter: string, mentioned: RegExp): boolean {
  if (!(error instanceof SourceRequestError) || error.status !== 400) return false;
  const paths = Object.keys(error.fieldErrors);
  if (paths.length > 0) return paths.some((path) => path === parameter || path.startsWith(`${parameter}.`) || path.startsWith(`${parameter}[`));
  return mentioned.test(error.apiMessage);
}

/**
 * A refused walk cursor: it expired (Close keeps one for about 30 s), it went past the walk's
 * 10,000-object cap, or it is otherwise no longer usable. Either way the walk is over, and a new one
 * starts from the last position read.
 */
export function isCursorRefusal(error: unknown): boolean {
  return refuses(error, 'cursor', /\bcursor\b/i);
}

/** A refused page size (`_limit`): Close publishes no ceiling, and answers 400 above its own. */
export function isPageSizeRefusal(error: unknown): boolean {
  return refuses(error, '_limit', /(?<![A-Za-z0-9])_limit\b/);
}

/** A refused `_fields` list, as when one request asks for too many field selectors. */
export function isFieldSelectorRefusal(error: unknown): boolean {
  return refuses(error, '_fields', /(?<![A-Za-z0-9])_fields\b/);
}
