import { SimulatorRequestError } from '../virtuous/request-error.js';

export { SimulatorRequestError };

/**
 * Close's 400 shape: `{"errors": [...], "field-errors": {...}}`. `errors` carries the readable
 * messages; `field-errors` maps the offending request path (e.g. `query.queries[1].field.field_name`)
 * to its message.
 */
export function badRequest(message: string, path?: string): SimulatorRequestError {
  return new SimulatorRequestError(400, { errors: [message], 'field-errors': path === undefined ? {} : { [path]: message } });
}

/** Reads `value` as a plain JSON object or throws a 400 naming `path`. */
export function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${path} must be an object.`, path);
  return value as Record<string, unknown>;
}

export function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw badRequest(`${path} must be a string.`, path);
  return value;
}

export function requireArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw badRequest(`${path} must be a list.`, path);
  return value;
}

/**
 * How a refused cursor (expired, past the walk cap, forged, or of another query) is answered; the
 * evidence leaves it open (docs/sources/close.md, "Open questions"):
 * - `field-errors`: `{"error": "Invalid request.", "field-errors": {"cursor": message}}`, the structure a
 *   public production connector recognises;
 * - `message`: `{"error": message}`, an older shape that only says it in words.
 */
export type CursorErrorShape = 'field-errors' | 'message';
export const CURSOR_ERROR_SHAPES: readonly CursorErrorShape[] = ['field-errors', 'message'];

export function cursorRefusal(message: string, shape: CursorErrorShape): SimulatorRequestError {
  return new SimulatorRequestError(
    400,
    shape === 'field-errors' ? { error: 'Invalid request.', 'field-errors': { cursor: message } } : { error: message },
  );
}
