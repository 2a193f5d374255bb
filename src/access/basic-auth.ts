import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccessCredentials } from './bind-policy.js';

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

/** Whether an `Authorization` header carries `credentials`; both parts are always compared, so timing tells nothing. */
export function isAuthorized(header: string | undefined, credentials: AccessCredentials): boolean {
  const given = parseBasicAuthorization(header);
  const userMatches = constantTimeEquals(given?.[0] ?? '', credentials.user);
  const passwordMatches = constantTimeEquals(given?.[1] ?? '', credentials.password);
  return given !== undefined && userMatches && passwordMatches;
}
