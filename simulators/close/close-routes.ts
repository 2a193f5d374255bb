export type CloseRouteName = 'search' | 'contact-custom-fields' | 'unknown';

export interface CloseRoute {
  name: CloseRouteName;
  /** False when the path exists but not for this method (405). */
  methodAllowed: boolean;
  /** The methods the path allows (for `Allow`). */
  allowed: string;
}

export const API_PREFIX = '/api/v1';
const SEARCH_PATH = `${API_PREFIX}/data/search/`;
const CONTACT_CUSTOM_FIELDS_PATH = `${API_PREFIX}/custom_field/contact/`;

/**
 * Close's paths end with a slash. The real API may redirect a path without it; the simulator answers
 * 404 instead, so that a client that drops the slash fails loudly rather than relying on a redirect
 * (which turns a POST into a GET in many HTTP clients).
 */
export function matchRoute(method: string, pathname: string): CloseRoute {
  if (pathname === SEARCH_PATH) return { name: 'search', methodAllowed: method === 'POST', allowed: 'POST' };
  if (pathname === CONTACT_CUSTOM_FIELDS_PATH) return { name: 'contact-custom-fields', methodAllowed: method === 'GET', allowed: 'GET' };
  return { name: 'unknown', methodAllowed: true, allowed: '' };
}
