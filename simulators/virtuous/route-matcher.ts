export type RouteName = 'query' | 'fullContact' | 'queryOptions' | 'getContact' | 'giftQuery' | 'fullGift' | 'giftQueryOptions' | 'unknown';

export interface MatchedRoute {
  name: RouteName;
  /** False when the path exists but not for this method (405). */
  methodAllowed: boolean;
  /** For `getContact`. */
  contactId?: number;
}

const CONTACT_BY_ID = /^\/api\/contact\/(\d+)$/;

/** Matches a request to the simulated Contact and Gift endpoints; paths are case-insensitive as in ASP.NET. */
export function matchRoute(method: string, pathname: string): MatchedRoute {
  const path = pathname.toLowerCase().replace(/\/+$/, '');
  const allow = (name: RouteName, expected: 'GET' | 'POST'): MatchedRoute => ({ name, methodAllowed: method === expected });
  if (path === '/api/contact/query') return allow('query', 'POST');
  if (path === '/api/contact/query/fullcontact') return allow('fullContact', 'POST');
  if (path === '/api/contact/queryoptions') return allow('queryOptions', 'GET');
  if (path === '/api/gift/query') return allow('giftQuery', 'POST');
  if (path === '/api/gift/query/fullgift') return allow('fullGift', 'POST');
  if (path === '/api/gift/queryoptions') return allow('giftQueryOptions', 'GET');
  const byId = CONTACT_BY_ID.exec(path);
  if (byId) return { ...allow('getContact', 'GET'), contactId: Number(byId[1]) };
  return { name: 'unknown', methodAllowed: true };
}
