export type CloseRouteName = 'search' | 'unknown';

export interface CloseRoute {
  name: CloseRouteName;
  /** False when the path exists but not for this method (405). */
  methodAllowed: boolean;
}

export const API_PREFIX = '/api/v1';
const SEARCH_PATH = `${API_PREFIX}/data/search/`;

/**
 * Close's paths end with a slash. The real API may redirect a path without it; the simulator answers
 * 404 instead, so that a client that drops the slash fails loudly rather than relying on a redirect
 * (which turns a POST into a GET in many HTTP clients).
 */
export function matchRoute(method: string, pathname: string): CloseRoute {
  if (pathname === SEARCH_PATH) return { name: 'search', methodAllowed: method === 'POST' };
  return { name: 'unknown', methodAllowed: true };
}
