import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { BoardCredentials } from './bind-policy.js';

/** Compares two strings in time that depends on neither's content nor length (both are hashed first). */
export function constantTimeEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** `Authorization: Basic base64(user:password)` -> [user, password], or undefined. */
export function parseBasicAuthorization(header: string | undefined): [string, string] | undefined {
  const match = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** Express middleware: HTTP basic auth against `credentials`, 401 with a challenge otherwise. */
export function basicAuth(credentials: BoardCredentials, realm = 'bulk-export board') {
  return (request: Request, response: Response, next: NextFunction): void => {
    const given = parseBasicAuthorization(request.headers.authorization);
    // Both comparisons always run, so the time taken does not tell which part was wrong.
    const userMatches = constantTimeEquals(given?.[0] ?? '', credentials.user);
    const passwordMatches = constantTimeEquals(given?.[1] ?? '', credentials.password);
    if (given && userMatches && passwordMatches) {
      next();
      return;
    }
    response
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`)
      .type('text/plain')
      .send('authentication required\n');
  };
}
